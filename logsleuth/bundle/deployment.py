"""What a diagnostic bundle says about *this* deployment: the Headscale version and how it
runs (compose v1/v2, systemd, OpenRC, Kubernetes, a bare binary), and fix commands spelled
for it.

Version sources, most to least direct: the image tag in Container Status, a version line in
the logs or System Info, the shape of ``headscale nodes list``, the configuration keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Bundle

Version = tuple[int, int, int]

_TAG = re.compile(r"headscale(?:/headscale)?:v?(?P<v>\d+\.\d+(?:\.\d+)?)")
_VERSION_LINE = re.compile(r"(?i)(?:headscale(?: version)?[ :=]+|your current |[ \t]version=)"
                           r"v?(?P<v>\d+\.\d+\.\d+)")
_JOURNALD = re.compile(r"^\w{3} [ \d]\d [\d:]{8} \S+ headscale\[\d+\]:", re.M)
_SYSTEMD = re.compile(r"headscale\.service|systemctl|Active: (?:active|failed|activating)")
_OPENRC = re.compile(r"rc-service|openrc|\* status: (?:started|stopped|crashed)", re.I)
_KUBERNETES = re.compile(r"kubectl|^NAME +READY +STATUS +RESTARTS +AGE", re.M)
_SYSTEMD_DOWN = re.compile(r"Active: (?P<state>failed|activating \(auto-restart\)|inactive \(dead\))")
_OPENRC_DOWN = re.compile(r"\* status: (?P<state>crashed|stopped)")
_POD_DOWN = re.compile(r"^(?P<name>\S*headscale\S*) +\d+/\d+ +(?P<state>CrashLoopBackOff|Error|"
                       r"ImagePullBackOff|ErrImagePull|Init:Error)\b", re.M)
_NAMESPACE = re.compile(r"kubectl .*?(?:-n|--namespace)[ =](\S+)")
_NO_DOCKER = re.compile(r"docker(?:-compose)?: (?:command )?not found", re.I)

#: ``headscale nodes list`` wording -> the versions that print it: [since, before)
_WORDING: dict[str, tuple[Version, Version | None]] = {
    "machine/namespace": ((0, 0, 0), (0, 18, 0)), "machine/user": ((0, 18, 0), (0, 23, 0)),
    "node/user": ((0, 23, 0), None)}
_NEW_CONFIG_KEYS = ("database", "dns", "policy")     # introduced by 0.23

#: how each deployment spells the commands the guide writes for docker-compose
COMMANDS: dict[str, dict[str, str]] = {
    "compose-v2": {"compose": "docker compose", "exec": "docker compose exec {service} ",
                   "logs": "docker compose logs --tail=100 {service}", "status": "docker compose ps",
                   "restart": "docker compose restart {service}", "stop": "docker compose stop {service}",
                   "start": "docker compose start {service}"},
    "compose-v1": {"compose": "docker-compose", "exec": "docker-compose exec {service} ",
                   "logs": "docker-compose logs --tail=100 {service}", "status": "docker-compose ps",
                   "restart": "docker-compose restart {service}", "stop": "docker-compose stop {service}",
                   "start": "docker-compose start {service}"},
    "systemd": {"exec": "sudo ", "logs": "journalctl -u headscale -n 100 --no-pager",
                "status": "systemctl status headscale", "restart": "sudo systemctl restart headscale",
                "stop": "sudo systemctl stop headscale", "start": "sudo systemctl start headscale"},
    "openrc": {"exec": "sudo ", "logs": "tail -n 100 /var/log/headscale/headscale.log",
               "status": "rc-service headscale status", "restart": "sudo rc-service headscale restart",
               "stop": "sudo rc-service headscale stop", "start": "sudo rc-service headscale start"},
    "kubernetes": {"exec": "kubectl{namespace} exec deploy/headscale -- ",
                   "logs": "kubectl{namespace} logs deploy/headscale --tail=100",
                   "status": "kubectl{namespace} get pods -l app.kubernetes.io/name=headscale",
                   "restart": "kubectl{namespace} rollout restart deploy/headscale",
                   "stop": "kubectl{namespace} scale deploy/headscale --replicas=0",
                   "start": "kubectl{namespace} scale deploy/headscale --replicas=1"},
    "binary": {"exec": "", "logs": "# the output of the terminal or log file that runs `headscale serve`",
               "status": "pgrep -a headscale", "restart": "# stop `headscale serve`, then start it again",
               "stop": "# stop `headscale serve`", "start": "headscale serve"},
}
_COMPOSE_VERB = re.compile(r"docker[- ]compose (?P<verb>exec headscale |logs\b[^#]*?headscale\b"
                           r"|ps\b|restart\b"
                           r"(?: headscale\b)?|stop\b(?: headscale\b)?|start\b(?: headscale\b)?)")
_GUIDE_SCRIPT = re.compile(r"\./scripts/manage\.sh (?P<verb>restart|stop|start)\b|\./scripts/|make backup")


@dataclass(frozen=True)
class Deployment:
    """How headscale runs here and which Headscale it is (``None`` when not visible)."""

    kind: str                       # a COMMANDS key, or "unknown"
    kind_evidence: str | None
    version: str | None             # "0.23.0"
    version_since: Version | None   # the lowest version consistent with the bundle
    version_evidence: str | None
    version_before: Version | None = None   # a release the bundle predates (nodes wording)
    service: str = "headscale"              # the compose service that runs headscale
    namespace: str | None = None            # the Kubernetes namespace, when shown

    @property
    def commands(self) -> dict[str, str]:
        """Command spellings; unknown deployments keep the guide's docker compose v2 form."""
        namespace = f" -n {self.namespace}" if self.namespace else ""
        return {name: command.format(service=self.service, namespace=namespace)
                for name, command in COMMANDS.get(self.kind, COMMANDS["compose-v2"]).items()}

    def at_least(self, version: Version) -> bool | None:
        """Whether the running Headscale is ``version`` or newer; None when unknown."""
        if self.version_since is not None and self.version_since >= version:
            return True
        if self.version is not None or (self.version_before and self.version_before <= version):
            return False
        return None

    def as_facts(self) -> dict:
        return {"kind": self.kind, "kind_evidence": self.kind_evidence, "service": self.service,
                "namespace": self.namespace,
                "headscale_version": self.version,
                "headscale_version_family": self.family,
                "version_evidence": self.version_evidence}


    @property
    def family(self) -> str | None:
        """The version family, when the bundle pins it to one."""
        family = version_family(self.version_since)
        if self.version or self.version_since is None:
            return family
        if self.version_before is None:
            return family if family == "0.27+" else "{}.{}+".format(*self.version_since)
        before = version_family((*self.version_before[:2], -1))
        return family if family == before else None


def parse_version(text: str) -> Version:
    """A version string as a comparable triple.

    >>> parse_version("0.23"), parse_version("0.26.1")
    ((0, 23, 0), (0, 26, 1))
    """
    parts = [int(p) for p in text.split(".")[:3]]
    return (*parts, 0, 0)[:3]          # type: ignore[return-value]


def version_family(since: Version | None) -> str | None:
    """The era that decides key names and wording: <0.18, 0.18-0.22, 0.23-0.26, 0.27+.

    >>> version_family((0, 22, 3)), version_family((0, 28, 0))
    ('0.18-0.22', '0.27+')
    """
    if since is None:
        return None
    if since >= (0, 27, 0):
        return "0.27+"
    if since >= (0, 23, 0):
        return "0.23-0.26"
    return "0.18-0.22" if since >= (0, 18, 0) else "<0.18"


def detect(bundle: Bundle) -> Deployment:
    kind, kind_evidence = deployment_kind(bundle)
    version, since, evidence = headscale_version(bundle)
    before = _WORDING.get(bundle.nodes_wording or "", (None, None))[1] if version is None else None
    service = next((c.service for c in bundle.containers if c.is_headscale and c.service), "headscale")
    namespace = _NAMESPACE.search(bundle.sections.get("containers", ""))
    return Deployment(kind, kind_evidence, version, since, evidence, before, service,
                      namespace[1] if namespace else None)


def deployment_kind(bundle: Bundle) -> tuple[str, str | None]:
    """The deployment kind and the text that shows it."""
    sections = bundle.sections
    containers, logs, system = (sections.get(k, "") for k in ("containers", "logs", "system"))
    if bundle.containers:
        generation = 1 if bundle.containers_table == "v1" else 2
        if bundle.compose_generation == 1:
            generation = 1
        label = "docker-compose v1 table" if generation == 1 else "docker compose v2 table"
        return f"compose-v{generation}", f"[containers] {label}"
    for kind, pattern, text in (("kubernetes", _KUBERNETES, containers + system),
                                ("openrc", _OPENRC, containers + system),
                                ("systemd", _SYSTEMD, containers + system),
                                ("systemd", _JOURNALD, logs)):
        if match := pattern.search(text):
            return kind, _line_of(text, match.start())
    if _NO_DOCKER.search(containers + system):
        return "binary", "docker is not installed; headscale runs as a plain process"
    return "unknown", None


def headscale_version(bundle: Bundle) -> tuple[str | None, Version | None, str | None]:
    """(exact version, lowest consistent version, evidence) from the most direct source."""
    for container in bundle.containers:
        if container.is_headscale and (match := _TAG.search(container.image)):
            return match["v"], parse_version(match["v"]), f"[containers] image {container.image}"
    for key in ("logs", "system"):
        text = bundle.sections.get(key, "")
        if match := _VERSION_LINE.search(text):
            return match["v"], parse_version(match["v"]), f"[{key}] {_line_of(text, match.start())}"
    if bundle.nodes_wording in _WORDING:
        return None, _WORDING[bundle.nodes_wording][0], f"[nodes] {bundle.nodes_wording} table"
    if bundle.config and any(isinstance(bundle.config.get(k), dict) for k in _NEW_CONFIG_KEYS):
        return None, (0, 23, 0), "[configuration] 0.23 key layout (database/dns/policy sections)"
    return None, None, None


def stopped_outside_compose(bundle: Bundle) -> list[tuple[str, str, str]]:
    """(unit, state, evidence) for a headscale systemd or OpenRC service or a pod that is
    not running."""
    found = []
    system, containers = bundle.sections.get("system", ""), bundle.sections.get("containers", "")
    for match in _SYSTEMD_DOWN.finditer(system + "\n" + containers):
        found.append(("headscale.service", match["state"], f"[system] {match[0]}"))
    for match in _OPENRC_DOWN.finditer(system + "\n" + containers):
        found.append(("headscale (OpenRC)", match["state"], f"[system] {match[0]}"))
    for match in _POD_DOWN.finditer(containers):
        found.append((match["name"], match["state"], f"[containers] {_line_of(containers, match.start())}"))
    return found


def _line_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:end if end >= 0 else None].strip()[:200]


GUIDE_HELPER = {"en": "the guide's helper, if your setup has it", "zh": "指南自带的脚本，如果你的部署有"}


def adapt_fix(line: str, deployment: Deployment, lang: str = "en") -> str:
    """A guide fix line spelled for this deployment: docker-compose commands become the
    deployment's own; the guide's scripts are offered as the guide's, not assumed."""
    commands = deployment.commands
    line = _COMPOSE_VERB.sub(lambda m: _command_for(m["verb"], commands), line)
    if deployment.kind == "compose-v2":
        line = line.replace("docker-compose ", "docker compose ")
    elif deployment.kind == "compose-v1":
        line = line.replace("docker compose ", "docker-compose ")
    script = _GUIDE_SCRIPT.search(line)
    if script and script["verb"]:
        return line.replace(script[0], commands[script["verb"]])
    if script:
        note = GUIDE_HELPER.get(lang, GUIDE_HELPER["en"])
        return f"{line} ({note})" if "# " in line else f"{line}   # {note}"
    return line


def fit_fix(fix: list[str], deployment: Deployment, lang: str = "en") -> list[str]:
    """Every line of a fix spelled for the deployment, duplicates dropped."""
    return list(dict.fromkeys(adapt_fix(line, deployment, lang) for line in fix))


def _command_for(verb: str, commands: dict[str, str]) -> str:
    if verb.startswith("exec"):
        return commands["exec"]
    name = {"ps": "status"}.get(verb.split()[0], verb.split()[0])
    return commands.get(name, verb)
