"""The app's screens: thin Kivy classes, one .kv file each, named after the class's module."""
