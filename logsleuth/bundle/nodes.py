"""The Nodes section: `headscale nodes list` as a table (0.18 to 0.23+ wordings) or JSON."""

from __future__ import annotations

from datetime import datetime, timezone

from .. import jsonload
from .model import Bundle, Node

_NODE_COLUMNS = {
    "id": "id", "name": "name", "hostname": "hostname", "user": "user", "namespace": "user",
    "ip addresses": "ips", "ip address": "ips", "last seen": "last_seen", "connected": "online",
    "online": "online",
    "expired": "expired",
}


def parse_nodes(bundle: Bundle) -> None:
    text = bundle.sections.get("nodes", "")
    if text.lstrip().startswith("["):
        _parse_nodes_json(bundle, text)
        return
    lines = [line for line in text.splitlines() if "|" in line]
    if not lines:
        error = next((line for line in text.splitlines() if "error" in line.lower()), None)
        if error:
            bundle.note("nodes_error", error=error.strip()[:200])
        return
    header = [cell.strip().lower() for cell in lines[0].split("|")]
    keys = [_NODE_COLUMNS.get(cell) for cell in header]
    if "id" not in keys:
        bundle.note("no_nodes_table")
        return
    wording_user = "namespace" if "namespace" in header else "user"
    wording_node = "machine" if "online" in header else "node"
    bundle.nodes_wording = f"{wording_node}/{wording_user}"
    for row in lines[1:]:
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) < len(header):
            bundle.note("row_cut", node=cells[0] or "?")
        values = {key: cells[i] for i, key in enumerate(keys) if key and i < len(cells)}
        if not values.get("id", "").isdigit():
            continue
        bundle.nodes.append(Node(
            id=values["id"], name=values.get("name") or values.get("hostname", ""),
            user=values.get("user", ""),
            ips=[ip.strip() for ip in values.get("ips", "").split(",") if ip.strip()],
            last_seen=_node_time(values.get("last_seen", "")),
            online=_yes_no(values.get("online"), ("online", "true", "yes")),
            expired=_yes_no(values.get("expired"), ("yes", "true", "expired")),
        ))


def _parse_nodes_json(bundle: Bundle, text: str) -> None:
    """``headscale nodes list -o json``: one object per node (user or namespace)."""
    items = jsonload.loads(text)
    if items is None:
        bundle.note("no_nodes_table")
        return
    objects = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    bundle.nodes_wording = "json"
    for item in objects:
        owner = item.get("user") or item.get("namespace") or {}
        bundle.nodes.append(Node(
            id=str(item.get("id", "")), name=str(item.get("given_name") or item.get("name") or ""),
            user=str(owner.get("name", "")) if isinstance(owner, dict) else str(owner),
            ips=[str(ip) for ip in item.get("ip_addresses") or []],
            last_seen=_json_time(item.get("last_seen")),
            online=item["online"] if isinstance(item.get("online"), bool) else None, expired=None,
        ))


def _json_time(value: object) -> datetime | None:
    """A protobuf timestamp (``{"seconds": ...}``) or an ISO string.

    >>> _json_time({"seconds": "1714557600"}).isoformat()
    '2024-05-01T10:00:00+00:00'
    """
    if isinstance(value, dict) and isinstance(value.get("seconds"), (int, str)):
        try:
            return datetime.fromtimestamp(int(value["seconds"]), timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


def _node_time(text: str) -> datetime | None:
    """The table's ``Last seen`` column (UTC).

    >>> _node_time("2024-05-01 10:00:00"), _node_time("N/A")
    (datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.timezone.utc), None)
    """
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _yes_no(text: str | None, truthy: tuple[str, ...]) -> bool | None:
    if not text:
        return None
    return text.strip().lower() in truthy
