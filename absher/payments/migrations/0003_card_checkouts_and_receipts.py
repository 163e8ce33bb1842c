import secrets

import django.db.models.deletion
from django.db import migrations, models

import absher.core.clock


def give_each_payment_a_receipt_code(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    for payment in Payment.objects.filter(receipt_code__isnull=True).only("pk"):
        payment.receipt_code = secrets.token_urlsafe(15)
        payment.save(update_fields=["receipt_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        ("payments", "0002_external_reference_fits_bank_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="receipt_code",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.RunPython(give_each_payment_a_receipt_code, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="receipt_code",
            field=models.CharField(max_length=32, unique=True),
        ),
        migrations.CreateModel(
            name="CardCheckout",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=absher.core.clock.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("reference", models.CharField(max_length=40, unique=True)),
                ("gateway", models.CharField(max_length=40)),
                ("amount_halalas", models.PositiveBigIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("paid", "Paid"),
                            ("failed", "Failed"),
                            ("refunded", "Charge returned"),
                        ],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("expires_at", models.DateTimeField()),
                ("charge_id", models.CharField(blank=True, max_length=64)),
                ("failure_code", models.CharField(blank=True, max_length=40)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decided_by", models.CharField(blank=True, max_length=10)),
                ("refunded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "bill",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="card_checkouts",
                        to="payments.bill",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="identity.person"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "open")),
                        fields=("bill",),
                        name="payments_one_open_checkout_per_bill",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CardNotification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=absher.core.clock.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("gateway", models.CharField(max_length=40)),
                ("source", models.CharField(max_length=10)),
                ("reference", models.CharField(max_length=40)),
                ("charge_id", models.CharField(blank=True, max_length=64)),
                ("outcome", models.CharField(max_length=20)),
                ("amount_halalas", models.BigIntegerField(blank=True, null=True)),
                ("received_at", models.DateTimeField()),
                (
                    "result",
                    models.CharField(
                        choices=[
                            ("applied", "Applied"),
                            ("duplicate", "Duplicate"),
                            ("rejected", "Rejected"),
                        ],
                        max_length=10,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=40)),
                (
                    "checkout",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="payments.cardcheckout",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["received_at"], name="payments_card_notes_by_day")
                ],
            },
        ),
    ]
