import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("code", models.SlugField(max_length=40, unique=True)),
                ("name_ar", models.CharField(max_length=120, verbose_name="name (Arabic)")),
                ("name_en", models.CharField(max_length=120, verbose_name="name (English)")),
                ("position", models.PositiveSmallIntegerField(default=0)),
            ],
            options={"ordering": ["position", "code"]},
        ),
        migrations.CreateModel(
            name="Service",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("code", models.SlugField(max_length=60, unique=True)),
                ("name_ar", models.CharField(max_length=160, verbose_name="name (Arabic)")),
                ("name_en", models.CharField(max_length=160, verbose_name="name (English)")),
                (
                    "description_ar",
                    models.TextField(blank=True, verbose_name="description (Arabic)"),
                ),
                (
                    "description_en",
                    models.TextField(blank=True, verbose_name="description (English)"),
                ),
                (
                    "fee_halalas",
                    models.PositiveIntegerField(default=0, verbose_name="fee in halalas"),
                ),
                (
                    "fee_depends_on_case",
                    models.BooleanField(
                        default=False,
                        help_text="The fee is worked out per request (for example by the number of transfers).",
                        verbose_name="fee depends on the case",
                    ),
                ),
                (
                    "requires_activation",
                    models.BooleanField(default=False, verbose_name="needs per-service activation"),
                ),
                (
                    "eligibility",
                    models.CharField(
                        choices=[
                            ("everyone", "Citizens and residents"),
                            ("citizens", "Citizens only"),
                            ("residents", "Residents only"),
                        ],
                        default="everyone",
                        max_length=16,
                    ),
                ),
                (
                    "is_suspendable",
                    models.BooleanField(
                        default=True, verbose_name="can be blocked by a suspension"
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="offered")),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="services",
                        to="catalog.department",
                    ),
                ),
            ],
            options={"ordering": ["department__position", "position", "code"]},
        ),
    ]
