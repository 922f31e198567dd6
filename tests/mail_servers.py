"""Real mail servers for the tests: dovecot for IMAP and aiosmtpd for SMTP, each on a free port on
127.0.0.1, each writing only under a directory of its own.

The fixtures `imap_server` (one dovecot per session), `imap_user` (a fresh user for one test) and
`smtp_server` reach a test module that imports them (tests/mail/test_mail_servers.py shows how),
or a whole folder whose conftest.py does: a fixture imported into several modules is a fixture
of each, and starts once for each.

`make mail-servers` (a prerequisite of `make test`) installs dovecot; no system-wide dovecot runs.
"""

from __future__ import annotations

import asyncio
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 15.0
READINESS_USER = "readiness-probe"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# --- IMAP: dovecot --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapUser:
    name: str
    password: str


class ImapServer:
    """A running dovecot: a passwd-file for each user under `root / "users"`, their mail in
    Maildir++ under `root / "mail"`."""

    def __init__(self, root: Path, port: int, mail_owner: pwd.struct_passwd) -> None:
        self.host = HOST
        self.port = port
        self.root = root
        self.instance_name = f"hoa-test-{port}"  # processes are named dovecot-<instance>/<role>
        self._owner = mail_owner

    @property
    def passwd_dir(self) -> Path:
        return self.root / "users"

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    def add_user(self, name: str, password: str) -> ImapUser:
        """Adds a user, or changes their password. Each user has a passwd-file of their own, so
        that a new user can log in at once: dovecot looks at a file it has read before at most
        once a second, and only sees a change of its mtime or size."""
        if not re.fullmatch(r"[A-Za-z0-9._@+-]+", name) or not re.fullmatch(r"[ -9;-~]+", password):
            raise ValueError(f"user {name!r} or their password cannot go into a passwd-file")
        passwd_file = self.passwd_dir / name
        known = passwd_file.exists()
        staged = passwd_file.with_suffix(".new")
        staged.write_text(f"{name}:{{PLAIN}}{password}::::::\n")
        if known:
            later = passwd_file.stat().st_mtime + 2
            os.utime(staged, (later, later))
        os.replace(staged, passwd_file)
        if known:
            time.sleep(1.1)
        home = self.mail_dir / name
        home.mkdir(exist_ok=True)
        os.chown(home, self._owner.pw_uid, self._owner.pw_gid)
        return ImapUser(name, password)

    def new_user(self, prefix: str = "user") -> ImapUser:
        """A user no other test has seen, with a password of its own."""
        return self.add_user(f"{prefix}-{uuid.uuid4().hex[:12]}", uuid.uuid4().hex)

    @contextmanager
    def connect(self, user: str, password: str) -> Iterator[imaplib.IMAP4]:
        """An imaplib connection logged in as `user`, logged out at the end."""
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(user, password)
            yield client
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(
        self,
        user: str,
        password: str,
        folder: str,
        raw_message: bytes,
        flags: Iterable[str] = (),
    ) -> int:
        """Drops a message into `folder` (created if missing) and returns its UID."""
        with self.connect(user, password) as client:
            if folder.upper() != "INBOX":
                client.create(_quoted(folder))  # NO [ALREADYEXISTS] when it exists: fine
            flag_list = f"({' '.join(flags)})" if flags else None
            status, data = client.append(_quoted(folder), flag_list, None, raw_message)
        reply = data[0].decode() if data and isinstance(data[0], bytes) else str(data)
        found = re.search(r"APPENDUID \d+ (\d+)", reply)
        if status != "OK" or found is None:
            raise RuntimeError(f"dovecot refused to append to {folder!r} of {user!r}: {reply}")
        return int(found.group(1))

    def folder_dir(self, user: str, folder: str) -> Path:
        """The Maildir++ directory of a folder ("INBOX", "Archive", "Archive.2024")."""
        maildir = self.mail_dir / user / "Maildir"
        return maildir if folder.upper() == "INBOX" else maildir / f".{folder}"

    def reset_uidvalidity(self, user: str, folder: str) -> None:
        """What a server does after losing its index: the same messages come back with new UIDs
        under a new UIDVALIDITY. Dovecot rebuilds the uidlist and index files removed here, taking
        the next value of the user's dovecot-uidvalidity counter. Call it while no session has
        the folder selected: one that has goes on with what it already read."""
        directory = self.folder_dir(user, folder)
        if not (directory / "cur").is_dir():
            raise ValueError(f"{user!r} has no folder {folder!r} ({directory} is missing)")
        for state in [directory / "dovecot-uidlist", *directory.glob("dovecot.index*")]:
            state.unlink(missing_ok=True)

    def write_config(self) -> Path:
        config = self.root / "dovecot.conf"
        config.write_text(_dovecot_config(self.root, self.port, self._owner))
        return config


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dovecot_version() -> str:
    found = subprocess.run(["dovecot", "--version"], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        raise RuntimeError("dovecot is not installed: run `make mail-servers`")
    return found.stdout.split()[0]


def _mail_owner() -> pwd.struct_passwd:
    """Dovecot refuses to touch mail as root, so as root the mail belongs to `nobody`;
    otherwise everything runs as the user running the tests (dovecot's 'rootless' setup)."""
    return pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())


def _dovecot_config(root: Path, port: int, owner: pwd.struct_passwd) -> str:
    version = dovecot_version()
    if not version.startswith("2.3."):
        raise RuntimeError(f"tests/mail_servers.py writes dovecot 2.3 settings; found {version}")
    mail = root / "mail"
    login_chroot = anvil_chroot = ""
    if os.geteuid() == 0:
        # The mail processes chroot into the mail directory before giving up root, so `nobody`
        # needs no way through the private directories above it (pytest's are 0700).
        privileges = f"""
mail_chroot = {mail}
valid_chroot_dirs = {mail}
mail_home = /%u
service auth {{
  user = root
}}"""
    else:
        me = owner.pw_name
        privileges = f"""
default_internal_user = {me}
default_internal_group = {grp.getgrgid(owner.pw_gid).gr_name}
default_login_user = {me}
mail_home = {mail}/%u
"""
        # Only a process started as root can chroot.
        login_chroot = anvil_chroot = "\n  chroot ="
    return f"""# Written by tests/mail_servers.py for one test run; nothing outside {root}.
protocols = imap
listen = {HOST}
instance_name = hoa-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_uid = {owner.pw_uid}
mail_gid = {owner.pw_gid}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = allow_all_users=yes
}}
service anvil {{{anvil_chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0  # no growing delay for logins from 127.0.0.1 after a test's wrong password
  }}
}}
service imap-login {{{login_chroot}
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}{privileges}
"""


@contextmanager
def dovecot_server(tmp_dir: Path) -> Iterator[ImapServer]:
    """Starts `dovecot -F` with a configuration of its own in `tmp_dir` and stops it (and every
    process it started) at the end. The files stay in `tmp_dir`."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    owner = _mail_owner()
    server = ImapServer(tmp_dir, free_port(), owner)
    for directory in ("run", "state", "mail", "users"):
        (tmp_dir / directory).mkdir(exist_ok=True)
    os.chown(server.mail_dir, owner.pw_uid, owner.pw_gid)
    readiness = server.new_user(READINESS_USER)
    config = server.write_config()
    with (tmp_dir / "dovecot.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            _wait_until_logins_work(server, process, readiness)
            yield server
        finally:
            _stop(process)


def _wait_until_logins_work(
    server: ImapServer, process: subprocess.Popen[bytes], user: ImapUser
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}: {_log_tail(server)}")
        try:
            with server.connect(user.name, user.password) as client:
                client.select("INBOX")
            return
        except (OSError, imaplib.IMAP4.error) as error:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"dovecot on port {server.port} did not let {user.name} log in within "
                    f"{STARTUP_TIMEOUT:.0f} s ({error}): {_log_tail(server)}"
                ) from error
            time.sleep(0.05)


def _log_tail(server: ImapServer) -> str:
    logs = [server.root / "dovecot.log", server.root / "dovecot.stderr"]
    text = "".join(log.read_text(errors="replace") for log in logs if log.exists())
    return text[-2000:] or "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master, which stops its children (it takes dovecot about a second); then
    SIGKILL to whatever is left alive in its process group (dovecot's own: start_new_session)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 5
    while survivors := _living_members_of_group(process.pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"dovecot's processes {survivors} outlived SIGKILL for 5 s")
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        time.sleep(0.02)


def _living_members_of_group(group: int) -> list[int]:
    """Zombies left for init to reap are not counted: they run nothing and hold no port."""
    living = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # After the parenthesised command: state, ppid, pgrp.
            state, _, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
            if int(pgrp) == group and state != "Z":
                living.append(int(stat.parent.name))
    return living


# --- SMTP: aiosmtpd -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    login: str | None


class SmtpServer:
    """Keeps every message it is sent; accepts AUTH from any user with any password."""

    def __init__(self) -> None:
        self.host = HOST
        self.port = free_port()
        self._messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._hold_at: int | None = None
        self.holding = threading.Event()
        self._released = threading.Event()

    def hold_answer_to(self, number: int) -> None:
        """Keeps the `number`-th message (counted: the server has it whole) but holds back the
        "250" until `release()`, so a test can kill the sender while it waits for the answer."""
        self._hold_at = number
        self.holding.clear()
        self._released.clear()

    def release(self) -> None:
        self._hold_at = None
        self._released.set()

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def count(self) -> int:
        with self._lock:
            return len(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = getattr(session.auth_data, "login", None)
        received = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            raw=envelope.original_content or b"",
            login=login.decode() if isinstance(login, bytes) else None,
        )
        with self._lock:
            self._messages.append(received)
            held = self._hold_at is not None and len(self._messages) == self._hold_at
        if held:
            self.holding.set()
            while not self._released.is_set():
                await asyncio.sleep(0.01)
        return "250 OK"


def _accept_anyone(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    return AuthResult(success=True, auth_data=auth_data)


@contextmanager
def aiosmtpd_server() -> Iterator[SmtpServer]:
    """An aiosmtpd server on a free loopback port, running in a thread of its own."""
    server = SmtpServer()
    controller = Controller(
        server,
        hostname=HOST,
        port=server.port,
        authenticator=_accept_anyone,
        auth_require_tls=False,
        decode_data=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# --- pytest fixtures: import them into a test module or a conftest.py -----------------------


@pytest.fixture(scope="session")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    root = tmp_path_factory.mktemp("dovecot")
    with dovecot_server(root) as server:
        yield server
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_user(imap_server: ImapServer) -> ImapUser:
    """A user no other test has seen, with an empty mailbox: tests share the session's dovecot."""
    return imap_server.new_user()


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    with aiosmtpd_server() as server:
        yield server
