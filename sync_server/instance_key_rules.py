"""A new revision may not drop the instance keys its parent holds (pure).

Merges match repeat instances by their ``"@key"`` (:mod:`sync_server.merge_paths`); a keyless
instance has the implied key ``"#<index>"``. A revision whose instance list is keyless on top
of a parent whose list at the same place carries keys would look to the merge as "every keyed
instance removed, keyless ones added": a concurrent removal or edit on another side is then
lost or duplicated silently. So the server refuses a revision with a keyless instance where
the parent's list holds keys, unless the parent's instance at that index was keyless too (the
same implied key, e.g. a legacy instance kept in place beside keyed ones):

* a push (an app from before instance keys): ``repeat_keys_missing`` with a message asking to
  update the app (the revision id is the tablet's content hash, the server cannot add keys);
* a supervisor's API edit or resolution: ``repeat_keys_missing`` (422). The server does not
  guess keys for it: a keyless list says nothing about which instance is which, and carrying
  keys over by position gives an instance another instance's identity as soon as the client
  removed one and added one, or reordered (a concurrent tablet edit then lands on the wrong
  finding, the very fault keys exist to prevent). The web pages always keep the keys (the form
  editor gives an added instance a fresh key), so only API clients that rebuild answers without
  ``"@key"`` meet the refusal, and it tells them what to send.

Nested repeats are matched through the keys of their enclosing instances.
"""

from __future__ import annotations

from typing import Any

from survey_forms.instance_keys import KEY, instance_key

__all__ = ["dropped_key_path", "has_keyless_instance"]


def _is_instance_list(value: Any) -> bool:
    """A repeat's value: a non-empty list of objects (a multiple choice is a list of texts)."""
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def _keyless(item: Any) -> bool:
    return isinstance(item, dict) and not isinstance(item.get(KEY), str)


def has_keyless_instance(answers: Any) -> bool:
    """Whether any repeat instance in ``answers`` (at any depth) has no ``"@key"`` (cheap: most
    revisions answer no, and then the parent need not be read)."""
    if not isinstance(answers, dict):
        return False
    for value in answers.values():
        if _is_instance_list(value):
            for item in value:
                if _keyless(item) or has_keyless_instance(item):
                    return True
    return False


def dropped_key_path(parent: Any, answers: Any, prefix: str = "") -> str | None:
    """The path (``temuan[0]``, ``building[1]/room[0]``) of the first instance of ``answers``
    that has no ``"@key"`` while the parent's list at the same place holds keyed instances,
    unless the parent's instance at that index is keyless too (the same implied key: an
    instance the parent already held without a key, kept in place); ``None`` when no key is
    dropped. A parent list without any key (a legacy entry) accepts keyless instances."""
    if not isinstance(answers, dict):
        return None
    parent = parent if isinstance(parent, dict) else {}
    for name, value in answers.items():
        if not _is_instance_list(value):
            continue
        before = parent.get(name)
        before = before if isinstance(before, list) else []
        keyed = any(isinstance(item, dict) and isinstance(item.get(KEY), str) for item in before)
        by_key = {instance_key(item, i): item for i, item in enumerate(before)}
        for index, item in enumerate(value):
            path = f"{prefix}{name}[{index}]"
            if keyed and _keyless(item) and not (index < len(before) and _keyless(before[index])):
                return path  # its implied key names no keyless instance of the parent
            inner = dropped_key_path(by_key.get(instance_key(item, index)), item, f"{path}/")
            if inner is not None:
                return inner
    return None
