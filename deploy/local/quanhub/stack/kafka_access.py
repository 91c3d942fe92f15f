"""Kafka access for partners who publish straight to their own topic (SASL/SCRAM + ACLs).

aiokafka's admin client speaks neither SCRAM credential nor ACL requests, so this module
runs Kafka's own admin commands (ConfigCommand, AclCommand) from the cached jars, talking
to the loopback PLAINTEXT listener whose principal (User:ANONYMOUS) is a super user.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.feeds.kafka_feed import kafka_username
from quanhub.stack.errors import StackError, ToolMissing
from quanhub.stack.kafka_server import LocalKafka
from quanhub.stack.settings import StackSettings

MECHANISM = "SCRAM-SHA-512"
_CONFIG_COMMAND = "kafka.admin.ConfigCommand"
_ACL_COMMAND = "org.apache.kafka.tools.AclCommand"


@dataclass(frozen=True, slots=True)
class PartnerKafkaAccess:
    """What a partner needs to publish to its own topic; the password is shown once."""

    username: str
    password: str
    topic: str
    bootstrap: str
    security_protocol: str = "SASL_PLAINTEXT"
    sasl_mechanism: str = MECHANISM

    def as_dict(self) -> dict[str, str]:
        """Plain fields, for JSON output."""
        return asdict(self)


def partner_username(partner_code: str) -> str:
    """The SCRAM user name of a partner (one user per partner; the ledger grants the same
    user READ on its feed topic when the partner creates a kafka subscription)."""
    return kafka_username(partner_code)


async def provision_partner_access(
    settings: KafkaSettings, partner_code: str, *, stack: StackSettings | None = None
) -> PartnerKafkaAccess:
    """Create the partner's topic, a SCRAM-SHA-512 user with a fresh password, and ACLs.

    The user may only WRITE and DESCRIBE its own topic (plus IDEMPOTENT_WRITE on the
    cluster, which idempotent producers need). Calling it again rotates the password
    (Kafka keeps only a salted SCRAM hash, so the old one cannot be shown again): clients
    still using the old one then fail with "invalid credentials". Topic and ACLs stay.
    """
    stack = stack or StackSettings()
    spec = Topics(settings).partner_spec(partner_code)
    await ensure_topics(settings, [spec])
    username = partner_username(partner_code)
    password = secrets.token_urlsafe(24)
    admin = _AdminTools(stack, settings.bootstrap)
    # The password goes through a private file, never a command-line argument (which any
    # local user could read from the process list).
    with tempfile.TemporaryDirectory(prefix="quanhub-scram-") as private:
        credential = Path(private) / "scram.properties"
        credential.touch(mode=0o600)
        credential.write_text(f"{MECHANISM}=iterations=8192,password={password}\n")
        await admin.run(
            _CONFIG_COMMAND,
            "--alter",
            "--add-config-file",
            str(credential),
            "--entity-type",
            "users",
            "--entity-name",
            username,
        )
    principal = f"User:{username}"
    await admin.run(
        _ACL_COMMAND,
        "--add",
        "--allow-principal",
        principal,
        "--operation",
        "Write",
        "--operation",
        "Describe",
        "--topic",
        spec.name,
    )
    await admin.run(
        _ACL_COMMAND,
        "--add",
        "--allow-principal",
        principal,
        "--operation",
        "IdempotentWrite",
        "--cluster",
    )
    return PartnerKafkaAccess(
        username=username, password=password, topic=spec.name, bootstrap=stack.kafka_sasl_bootstrap
    )


async def revoke_partner_access(
    settings: KafkaSettings, partner_code: str, *, stack: StackSettings | None = None
) -> None:
    """Remove the partner's SCRAM credential and the ACLs provisioning gave it (topic stays)."""
    stack = stack or StackSettings()
    username = partner_username(partner_code)
    admin = _AdminTools(stack, settings.bootstrap)
    topic = Topics(settings).partner(partner_code)
    principal = f"User:{username}"
    # AclCommand removes only the operations named (no operation means only ALL).
    await admin.run(
        _ACL_COMMAND,
        "--remove",
        "--force",
        "--allow-principal",
        principal,
        "--operation",
        "Write",
        "--operation",
        "Describe",
        "--topic",
        topic,
    )
    await admin.run(
        _ACL_COMMAND,
        "--remove",
        "--force",
        "--allow-principal",
        principal,
        "--operation",
        "IdempotentWrite",
        "--cluster",
    )
    await admin.run(
        _CONFIG_COMMAND,
        "--alter",
        "--delete-config",
        MECHANISM,
        "--entity-type",
        "users",
        "--entity-name",
        username,
    )


class _AdminTools:
    """Kafka's Java admin commands, run from the cached jars against `bootstrap`."""

    def __init__(self, stack: StackSettings, bootstrap: str) -> None:
        self._stack = stack
        self._bootstrap = bootstrap

    async def run(self, main_class: str, *args: str) -> str:
        java = shutil.which("java")
        if java is None:
            msg = "Java 17+ is needed for Kafka's admin commands"
            raise ToolMissing(msg)
        libs = await asyncio.to_thread(LocalKafka(self._stack).ensure_jars)
        process = await asyncio.create_subprocess_exec(
            java,
            "-Xmx256m",
            "-cp",
            f"{libs}/*",
            main_class,
            "--bootstrap-server",
            self._bootstrap,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        text = output.decode(errors="replace")
        if process.returncode != 0:
            msg = f"{main_class.rsplit('.', 1)[-1]} failed ({process.returncode}): {text[-2000:]}"
            raise StackError(msg)
        return text
