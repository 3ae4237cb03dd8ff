"""Android entry point: python-for-android (buildozer) starts ``main.py`` at the source root.

On a desktop use the ``field-app`` command instead.
"""

from field_app.main import main

if __name__ == "__main__":
    main([])
