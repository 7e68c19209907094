"""Bronze in a Google Cloud Storage bucket: `SCROBBLE_INSIGHTS_BRONZE_URL=gs://bucket/prefix`.

The objects are the same gzip JSON lines as on disk, under the same keys (bronze/files.py). A write
never leaves half an object under its final name, and two writers never overwrite each other
silently:

1. the generation of the final object is read (0 when it does not exist);
2. the bytes are uploaded to a staging object, ``<prefix>/_staging/<key>.<random>.tmp``;
3. the staging object is copied to the final name with ``if_generation_match`` = that generation,
   so the copy fails (412) if someone replaced the object meanwhile; then the staging object is
   deleted.

Staging objects live outside ``lastfm/``, so no listing of bronze ever sees them; one left by a
crash is harmless and is deleted by the next writer once it is an hour old.

google-cloud-storage is imported lazily (the `bigquery` extra). With STORAGE_EMULATOR_HOST set
(fake-gcs-server in the tests) the client talks to it anonymously; otherwise it uses Application
Default Credentials. Every failure is one line naming the bucket and the fix.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import uuid
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta, timezone

from scrobble_insights.errors import BronzeError, ConfigError

log = logging.getLogger(__name__)
STAGING = "_staging"
STAGING_MAX_AGE = timedelta(hours=1)


def _storage():
    try:
        from google.cloud import storage
    except ImportError:
        raise ConfigError("SCROBBLE_INSIGHTS_BRONZE_URL is a gs:// URL but google-cloud-storage is not "
                          "installed: pip install 'scrobble-insights[bigquery]'") from None
    return storage


def make_client(project: str = ""):
    """A storage client: the emulator's when STORAGE_EMULATOR_HOST is set, else with Application
    Default Credentials."""
    storage = _storage()
    emulator = os.environ.get("STORAGE_EMULATOR_HOST", "").strip()
    if emulator:
        from google.auth.credentials import AnonymousCredentials

        endpoint = emulator if "://" in emulator else f"http://{emulator}"
        return storage.Client(project=project or "scrobble-insights-local", credentials=AnonymousCredentials(),
                              client_options={"api_endpoint": endpoint})
    from google.auth.exceptions import DefaultCredentialsError

    try:
        return storage.Client(project=project or None)
    except DefaultCredentialsError:
        raise ConfigError("no Google credentials for the bronze bucket: run `gcloud auth application-default "
                          "login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file") from None


class GcsBronze:
    """Bronze objects under gs://bucket/prefix (see the module docstring)."""

    def __init__(self, bucket: str, prefix: str = "", client=None, *, project: str = "") -> None:
        self.bucket_name = bucket
        self.prefix = prefix.strip("/")
        self.project = project
        self._client = client
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._sweep_lock = threading.Lock()
        self._swept = False

    # --- the client: one per store and process (its HTTP session is not shared across a fork) ---

    @property
    def bucket(self):
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client, self._pid = make_client(self.project), os.getpid()
            return self._client.bucket(self.bucket_name)

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, name: str) -> str:
        return name[len(self.prefix) + 1:] if self.prefix else name

    @contextmanager
    def _errors(self, what: str):
        """Google's exceptions -> one line naming the bucket and the fix."""
        _storage()
        from google.api_core import exceptions
        from google.auth.exceptions import DefaultCredentialsError

        try:
            yield
        except exceptions.NotFound:
            try:
                missing = not self.bucket.exists()
            except exceptions.GoogleAPIError:
                missing = False
            if missing:
                raise ConfigError(f"the bronze bucket gs://{self.bucket_name} does not exist "
                                  "(SCROBBLE_INSIGHTS_BRONZE_URL): create it with `terraform apply` in infra/, "
                                  "or `gcloud storage buckets create`") from None
            raise BronzeError(f"bronze object {what} does not exist") from None
        except exceptions.Forbidden:
            raise ConfigError(f"permission denied on the bronze bucket gs://{self.bucket_name}: grant the "
                              "pipeline's account roles/storage.objectAdmin on it") from None
        except DefaultCredentialsError:
            raise ConfigError("no Google credentials for the bronze bucket: run `gcloud auth application-default "
                              "login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file") from None
        except exceptions.GoogleAPIError as exc:
            raise BronzeError(f"Cloud Storage failed on {what}: {str(exc).splitlines()[0]}") from None
        except OSError as exc:      # requests' connection errors are OSErrors
            raise BronzeError(f"cannot reach Cloud Storage for {what}: {type(exc).__name__}") from None

    # --- BronzeStore ---

    def write(self, key: str, data: bytes) -> None:
        from google.api_core.exceptions import PreconditionFailed

        name = self._name(key)
        staging = self._name(f"{STAGING}/{key}.{uuid.uuid4().hex[:12]}.tmp")
        with self._errors(self.uri(key)):
            bucket = self.bucket
            self._sweep(bucket)
            seen = self._generation(bucket, name)
            blob = bucket.blob(staging)
            blob.upload_from_string(data, content_type="application/gzip", if_generation_match=0)
            try:
                try:
                    self._commit(bucket, blob, name, seen)
                except PreconditionFailed:
                    # Another writer replaced this object between our read and our commit. Both copies
                    # are whole days extracted from the API, so either is right: take the generation
                    # it wrote and commit ours once more (a second conflict is an error).
                    log.warning("bronze object %s was replaced by another writer meanwhile; writing ours "
                                "over it", self.uri(key))
                    try:
                        self._commit(bucket, blob, name, self._generation(bucket, name))
                    except PreconditionFailed:
                        raise BronzeError(f"bronze object {self.uri(key)} keeps being replaced by another "
                                          "writer: is a second job extracting the same days? Run again "
                                          "when it is done") from None
            finally:
                blob.delete()

    def _commit(self, bucket, staging, name: str, generation: int) -> None:
        """Copy the staging object to its final name, unless that object's generation is no longer
        `generation` (0: it must not exist)."""
        bucket.copy_blob(staging, bucket, name, if_generation_match=generation)

    @staticmethod
    def _generation(bucket, name: str) -> int:
        blob = bucket.get_blob(name)
        return blob.generation if blob is not None else 0

    def _sweep(self, bucket) -> None:
        """Delete staging objects a crashed writer left (once per store, only those older than an hour:
        a younger one may be another writer's in flight)."""
        from google.api_core.exceptions import NotFound

        with self._sweep_lock:             # the other writer threads wait: none has staged anything yet
            if self._swept:
                return
            cutoff = datetime.now(timezone.utc) - STAGING_MAX_AGE
            for blob in bucket.client.list_blobs(bucket, prefix=self._name(f"{STAGING}/")):
                if blob.time_created is not None and blob.time_created < cutoff:
                    with suppress(NotFound):        # another process swept it first
                        blob.delete()
            self._swept = True

    def read(self, key: str) -> bytes:
        with self._errors(self.uri(key)):
            return self.bucket.blob(self._name(key)).download_as_bytes()

    def exists(self, key: str) -> bool:
        return self.version(key) is not None

    def list(self, prefix: str) -> list[tuple[str, str]]:
        with self._errors(self.uri(prefix)):
            bucket = self.bucket
            blobs = bucket.client.list_blobs(bucket, prefix=self._name(prefix))
            found = [(self._key(b.name), _version(b)) for b in blobs]
        return sorted((k, v) for k, v in found if not k.startswith(f"{STAGING}/"))

    def version(self, key: str) -> str | None:
        with self._errors(self.uri(key)):
            blob = self.bucket.get_blob(self._name(key))
        return None if blob is None else _version(blob)

    def total_bytes(self) -> int:
        with self._errors(self.uri()):
            bucket = self.bucket
            return sum(b.size or 0 for b in bucket.client.list_blobs(bucket, prefix=self._name("")))

    def uri(self, key: str = "") -> str:
        return "gs://" + "/".join(p for p in (self.bucket_name, self.prefix, key) if p)


def _version(blob) -> str:
    """Size and crc32c (else md5) as hex: what a listing gives for free, no request per object."""
    digest = blob.crc32c or blob.md5_hash or ""
    return f"{blob.size}-{base64.b64decode(digest).hex()}"
