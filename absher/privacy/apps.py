from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The data subject's rights under the Personal Data Protection Law (نظام حماية البيانات
    الشخصية): a copy of everything the platform holds about a person. It sits above the other
    domain apps and reads through their selectors; nothing imports it but the interfaces."""

    name = "absher.privacy"
    label = "privacy"
    verbose_name = _("Personal data protection")
