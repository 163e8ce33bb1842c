from django.db import models

from absher.core import clock


class BaseModel(models.Model):
    """Every domain row knows when it was created (by the platform's clock, so tests that move the
    clock see consistent times) and last changed."""

    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
