from __future__ import annotations

import logging
import time
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

import vault
from vault.locks import hold_sealing_lock

security_log = logging.getLogger("waypoint.security")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Identified by e-mail; every account needs a second factor."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Organisation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    LAWYER = "lawyer", _("Lawyer")
    COORDINATOR = "coordinator", _("Coordinator")
    ORG_ADMIN = "org_admin", _("Organisation admin")


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.organisation} / {self.get_role_display()}"


class Invitation(models.Model):
    """A single-use invitation. Only a hash of the token is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail address"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} / {self.role}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class AccountRecovery(models.Model):
    """An org admin's reset of a member's account, and its single-use link to choose a new
    password. Only a hash of the token is stored; the admin hands the link over."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recoveries")
    # The organisation whose admin started it (and whose audit log shows it).
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    started_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"recovery {self.pk}"


class UserSession(AbstractBaseSession):
    """Django's session row, plus the user it belongs to, so sessions can be listed and ended."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    # A coarse browser label ("Firefox on Linux"): never the raw User-Agent, never an IP.
    device_label = models.CharField(max_length=64, blank=True)

    # django-stubs declares no Meta on AbstractBaseSession; Django has one.
    class Meta(AbstractBaseSession.Meta):  # type: ignore[name-defined]
        db_table = "accounts_session"
        indexes = [models.Index(fields=["user", "expire_date"])]

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore


# --- Second factors ------------------------------------------------------------------------
# django-otp's own TOTP and static-token devices keep the seed and the codes in clear; these
# keep the seed sealed by the vault and the backup codes as password hashes.


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app. The seed is sealed with the vault, bound to this row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sealed_key = models.BinaryField(editable=False)
    digits = models.PositiveSmallIntegerField(default=6)
    step = models.PositiveSmallIntegerField(default=30)
    tolerance = models.PositiveSmallIntegerField(default=1)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    @property
    def persistent_id(self) -> str:
        # django-otp reads the id after the slash with int() (Device.from_persistent_id), so a
        # UUID key travels as its integer; UUIDField accepts an int when filtering.
        return f"{self.model_label()}/{self.pk.int}"

    def _aad(self) -> bytes:
        return f"accounts.totpdevice.key:{self.pk}".encode()

    def set_key(self, key: bytes) -> None:
        hold_sealing_lock()
        self.sealed_key = vault.seal(key, aad=self._aad())

    @property
    def bin_key(self) -> bytes:
        return vault.open(bytes(self.sealed_key), aad=self._aad())

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Checks the code and remembers its time step so that it works once.

        The caller must hold a row lock (select_for_update inside a transaction): see
        accounts.services.factors.verify_second_factor.
        """
        verify_allowed, _details = self.verify_is_allowed()
        if not verify_allowed:
            return False
        try:
            code = int(str(token).strip())
        except ValueError:
            self.throttle_increment()
            return False
        try:
            seed = self.bin_key
        except vault.DecryptionError:
            # Fail closed and calm: the code is refused like a wrong one, the event is logged
            # with ids only (a KEK missing from this process's keyring, or a tampered row).
            security_log.error("accounts.totp_seed_unreadable device=%s", self.pk)
            return False
        totp = TOTP(seed, self.step, 0, self.digits, 0)
        totp.time = time.time()
        if totp.verify(code, self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save(
                update_fields=[
                    "last_t",
                    "throttling_failure_timestamp",
                    "throttling_failure_count",
                    "last_used_at",
                ]
            )
            return True
        self.throttle_increment()
        return False


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A set of single-use backup codes, each stored only as a password hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(Device.Meta):
        verbose_name = _("backup codes")

    @property
    def persistent_id(self) -> str:
        # See TOTPDevice.persistent_id: django-otp parses this id with int().
        return f"{self.model_label()}/{self.pk.int}"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_BACKUP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Consumes the matching unused code. The caller holds a row lock on this device."""
        verify_allowed, _details = self.verify_is_allowed()
        if not verify_allowed:
            return False
        typed = normalise_backup_code(str(token))
        for code in self.codes.filter(used_at__isnull=True):
            if check_password(typed, code.code_hash):
                code.used_at = timezone.now()
                code.save(update_fields=["used_at"])
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save(
                    update_fields=[
                        "throttling_failure_timestamp",
                        "throttling_failure_count",
                        "last_used_at",
                    ]
                )
                return True
        self.throttle_increment()
        return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=256)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backup code {self.pk}"


def normalise_backup_code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())
