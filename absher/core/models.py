from django.db import models

from absher.core import clock


class BaseModel(models.Model):
    """Every domain row knows when it was created (by the platform's clock, so tests that move the
    clock see consistent times) and last changed."""

    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The answer once given to a request that carried an `Idempotency-Key`, kept for a day so that
    a client retrying the same request gets the same answer instead of a second charge or a second
    transfer. Keys are per owner (an account) and per operation. A row without `status_code` is a
    claim: the first request is still running."""

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=clock.now, editable=False)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key", "operation"], name="idempotency_one_record_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.owner} {self.key}"
