"""The Configuration section: the YAML read safely (size, alias bombs, depth)."""

from __future__ import annotations

from .model import Bundle


def parse_config(bundle: Bundle) -> None:
    text = bundle.sections.get("config", "")
    if not text.strip():
        return
    if len(text) > CONFIG_MAX_CHARS:
        bundle.config_error = (f"the section is larger than {CONFIG_MAX_CHARS >> 20} MiB (a "
                               "headscale configuration is a few KiB); not read")
        return
    import yaml  # deferred: plain log analysis never needs it

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        refused = _refused_yaml(node)
        data = None if refused or node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        bundle.config_error = f"{getattr(exc, 'problem', None) or exc}{where}"
        return
    except RecursionError:
        refused = f"nested deeper than {YAML_MAX_DEPTH} levels; not read"
    finally:
        loader.dispose()
    if refused:
        bundle.config_error = refused
        return
    if isinstance(data, dict):
        bundle.config = data
    else:
        bundle.config_error = "the configuration is not a YAML mapping"


CONFIG_MAX_CHARS = 1 << 20
YAML_MAX_VALUES = 50_000
YAML_MAX_DEPTH = 64


def _refused_yaml(root) -> str | None:
    """Why a composed YAML document is not read (an alias bomb, a self-referring alias,
    absurd nesting), or None. Aliases are counted as often as they would be expanded,
    without expanding them: each distinct node is visited once."""
    if root is None:
        return None
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack = [(root, 0, False)]
    while stack:
        node, depth, closing = stack.pop()
        children = _yaml_children(node)
        if closing:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > YAML_MAX_VALUES:
                return (f"expands to more than {YAML_MAX_VALUES} values through YAML aliases "
                        "(an alias bomb?); not read")
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            return "a YAML alias refers to a value that contains it; not read"
        if depth > YAML_MAX_DEPTH:
            return f"nested deeper than {YAML_MAX_DEPTH} levels; not read"
        open_nodes.add(id(node))
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)
    return None


def _yaml_children(node) -> list:
    if isinstance(node.value, list):
        return [part for item in node.value
                for part in (item if isinstance(item, tuple) else (item,))]
    return []


# ------------------------------------------------------------------ nodes
