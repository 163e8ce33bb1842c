"""Every string the sandbox's pages show, in Arabic and English, chosen by the `lang` parameter.
The sandbox keeps its own table: it is not part of the platform and its translation tooling."""

from __future__ import annotations

from sandbox_gateway.constants import DEFAULT_LANGUAGE, LANGUAGES

STRINGS: dict[str, tuple[str, str]] = {
    # key: (Arabic, English)
    "merchant": ("أبشر", "Absher"),
    "gateway_name": ("بوابة الدفع التجريبية", "Sandbox card gateway"),
    "page_title": ("الدفع بالبطاقة", "Card payment"),
    "skip_link": ("انتقل إلى المحتوى الرئيسي", "Skip to main content"),
    "other_language": ("English", "العربية"),
    "sandbox_banner": (
        "بيئة تجريبية (SANDBOX) — لا تُخصم أموال حقيقية",
        "SANDBOX — no real money",
    ),
    "sandbox_note": (
        "صفحة دفع تجريبية لأغراض التطوير والاختبار. لا تُدخل بيانات بطاقة حقيقية.",
        "A test payment page for development and testing. Do not enter a real card.",
    ),
    "merchant_label": ("التاجر", "Merchant"),
    "amount_label": ("المبلغ المستحق", "Amount due"),
    "description_label": ("البيان", "Description"),
    "reference_label": ("الرقم المرجعي", "Reference"),
    "expires_label": ("تنتهي صلاحية العملية", "This payment expires"),
    "riyadh_time": ("بتوقيت الرياض", "Riyadh time"),
    "amount_format": ("{amount} ريال سعودي", "SAR {amount}"),
    # The card form.
    "card_details": ("بيانات البطاقة", "Card details"),
    "cardholder": ("اسم حامل البطاقة", "Cardholder name"),
    "cardholder_hint": ("كما يظهر على البطاقة.", "As it appears on the card."),
    "card_number": ("رقم البطاقة", "Card number"),
    "card_number_hint": (
        "من 12 إلى 19 رقمًا، ويمكن الفصل بينها بمسافات.",
        "12 to 19 digits; spaces are allowed.",
    ),
    "expiry": ("تاريخ الانتهاء", "Expiry date"),
    "expiry_hint": ("بالصيغة MM/YY، مثل 08/29.", "As MM/YY, for example 08/29."),
    "cvv": ("رمز التحقق (CVV)", "Security code (CVV)"),
    "cvv_hint": ("3 أو 4 أرقام على ظهر البطاقة.", "3 or 4 digits on the back of the card."),
    "pay": ("ادفع", "Pay"),
    "cancel": ("إلغاء", "Cancel"),
    "cancel_hint": (
        "يعيدك الإلغاء إلى أبشر دون خصم أي مبلغ.",
        "Cancelling takes you back to Absher without charging anything.",
    ),
    "errors_title": ("يرجى تصحيح ما يلي:", "Please correct the following:"),
    "error_cardholder_required": (
        "أدخل اسم حامل البطاقة كما يظهر على البطاقة.",
        "Enter the cardholder's name as it appears on the card.",
    ),
    "error_cardholder_too_long": (
        "يجب ألا يزيد اسم حامل البطاقة على 100 حرف.",
        "The cardholder's name must be at most 100 characters.",
    ),
    "error_card_number_required": ("أدخل رقم البطاقة.", "Enter the card number."),
    "error_card_number_format": (
        "يجب أن يتكوّن رقم البطاقة من 12 إلى 19 رقمًا.",
        "The card number must have 12 to 19 digits.",
    ),
    "error_card_number_luhn": (
        "رقم البطاقة غير صحيح؛ تحقّق منه وأعد إدخاله.",
        "This card number is not valid. Check it and enter it again.",
    ),
    "error_expiry_required": ("أدخل تاريخ انتهاء البطاقة.", "Enter the card's expiry date."),
    "error_expiry_format": (
        "أدخل تاريخ الانتهاء بالصيغة MM/YY، مثل 08/29.",
        "Enter the expiry date as MM/YY, for example 08/29.",
    ),
    "error_expiry_past": ("انتهت صلاحية هذه البطاقة.", "This card has expired."),
    "error_cvv_required": ("أدخل رمز التحقق.", "Enter the security code."),
    "error_cvv_format": (
        "يجب أن يتكوّن رمز التحقق من 3 أو 4 أرقام.",
        "The security code must have 3 or 4 digits.",
    ),
    # The test cards.
    "test_cards_title": ("بطاقات الاختبار", "Test cards"),
    "test_cards_number": ("رقم البطاقة", "Card number"),
    "test_cards_result": ("النتيجة", "Result"),
    "test_card_approve": ("دفع ناجح.", "The payment succeeds."),
    "test_card_decline": ("يرفض مُصدر البطاقة العملية.", "The issuer declines the payment."),
    "test_card_challenge": (
        "تحقّق \u20663-D Secure\u2069: الرمز 1234 يُتمّ الدفع، وأي رمز آخر يُفشله.",
        "3-D Secure challenge: code 1234 completes the payment; any other code fails it.",
    ),
    "test_card_no_answer": (
        "لا يستجيب مُصدر البطاقة (انتهاء المهلة)، ولا يُخصم أي مبلغ.",
        "The issuer does not answer (timeout); nothing is charged.",
    ),
    "test_cards_note": (
        "أي رقم بطاقة صحيح آخر يُرفض. استخدم أي اسم، وأي تاريخ انتهاء لم يمضِ،"
        " وأي رمز تحقق من 3 أرقام.",
        "Any other valid card number is declined. Use any name, any expiry date not in the past"
        " and any 3-digit security code.",
    ),
    # 3-D Secure.
    "challenge_title": (
        "التحقق من هوية حامل البطاقة (\u20663-D Secure\u2069)",
        "Cardholder verification (3-D Secure)",
    ),
    "challenge_text": (
        "أرسل مُصدر البطاقة المنتهية بالأرقام {last4} رمز تحقق لمرة واحدة إلى جوالك المسجّل لديه."
        " أدخل الرمز لإتمام الدفع.",
        "The issuer of the card ending in {last4} sent a one-time code to the mobile number"
        " registered with it. Enter the code to complete the payment.",
    ),
    "challenge_sandbox_note": (
        "في البيئة التجريبية: الرمز 1234 يُتمّ الدفع، وأي رمز آخر يُفشل التحقق.",
        "In the sandbox: 1234 completes the payment; any other code fails the verification.",
    ),
    "code": ("رمز التحقق لمرة واحدة", "One-time code"),
    "confirm": ("تأكيد", "Confirm"),
    "error_code_required": (
        "أدخل رمز التحقق المرسل إلى جوالك.",
        "Enter the code sent to your mobile.",
    ),
    # Outcome pages.
    "return_to_merchant": ("العودة إلى أبشر", "Return to Absher"),
    "already_paid_title": ("تم الدفع مسبقًا", "Already paid"),
    "already_paid_text": (
        "سبق إتمام هذه العملية بنجاح، ولن يُخصم المبلغ مرة أخرى.",
        "This payment was already completed. You will not be charged again.",
    ),
    "charge_label": ("رقم عملية الخصم", "Charge ID"),
    "expired_title": ("انتهت صلاحية عملية الدفع", "This payment has expired"),
    "expired_text": (
        "لم يُخصم أي مبلغ. عُد إلى أبشر وابدأ عملية الدفع من جديد.",
        "Nothing was charged. Return to Absher and start the payment again.",
    ),
    # Refused checkouts.
    "refused_title": ("تعذّر فتح صفحة الدفع", "The payment page cannot be opened"),
    "refused_advice": (
        "لم يُخصم أي مبلغ. عُد إلى أبشر وحاول مرة أخرى.",
        "Nothing was charged. Go back to Absher and try again.",
    ),
    "refused_bad_signature": (
        "توقيع طلب الدفع مفقود أو غير صحيح.",
        "The payment request's signature is missing or not valid.",
    ),
    "refused_unknown_partner": (
        "الجهة الطالبة للدفع غير معروفة لدى بوابة الدفع.",
        "The merchant that sent this payment is not known to this gateway.",
    ),
    "refused_missing_parameter": ("طلب الدفع ناقص.", "The payment request is incomplete."),
    "refused_repeated_parameter": (
        "يتكرر أحد حقول طلب الدفع.",
        "A field of the payment request appears more than once.",
    ),
    "refused_expired": ("انتهت صلاحية طلب الدفع.", "The payment request has expired."),
    "refused_bad_expires": (
        "وقت انتهاء صلاحية طلب الدفع غير صحيح.",
        "The payment request's expiry time is not valid.",
    ),
    "refused_bad_amount": ("مبلغ الدفع غير صحيح.", "The payment amount is not valid."),
    "refused_bad_currency": (
        "عملة الدفع غير مدعومة؛ لا تُقبل إلا المدفوعات بالريال السعودي.",
        "The currency is not supported; only Saudi riyals (SAR) are accepted.",
    ),
    "refused_bad_return_url": (
        "عنوان العودة إلى التاجر غير صحيح.",
        "The address to return to the merchant is not valid.",
    ),
    "refused_bad_reference": (
        "الرقم المرجعي لعملية الدفع غير صحيح.",
        "The payment reference is not valid.",
    ),
    "refused_bad_description": (
        "وصف عملية الدفع غير صحيح.",
        "The payment description is not valid.",
    ),
    "refused_amount_changed": (
        "يختلف المبلغ عن المبلغ المسجّل أول مرة لهذه العملية.",
        "The amount differs from the one first recorded for this payment.",
    ),
    "not_found_title": ("عملية الدفع غير موجودة", "Payment not found"),
    "not_found_text": (
        "لا توجد عملية دفع بهذا العنوان. عُد إلى أبشر وابدأ عملية الدفع من جديد.",
        "There is no payment at this address. Return to Absher and start the payment again.",
    ),
    # The index page.
    "index_title": ("سجل بوابة الدفع التجريبية", "Sandbox gateway activity"),
    "index_intro": (
        "أحدث عمليات الدفع التي وصلت إلى البوابة التجريبية، والإشعارات التي أرسلتها إلى المنصة.",
        "The latest checkouts the sandbox gateway received and the webhooks it sent to the"
        " platform.",
    ),
    "checkouts_title": ("أحدث عمليات الدفع", "Recent checkouts"),
    "deliveries_title": ("إشعارات الخادم (Webhooks)", "Webhook deliveries"),
    "column_reference": ("الرقم المرجعي", "Reference"),
    "column_amount": ("المبلغ", "Amount"),
    "column_status": ("الحالة", "Status"),
    "column_last4": ("آخر 4 أرقام", "Last 4"),
    "column_charge": ("رقم عملية الخصم", "Charge ID"),
    "column_created": ("الوقت (UTC)", "Time (UTC)"),
    "column_outcome": ("النتيجة المُبلَّغ عنها", "Outcome reported"),
    "column_delivery": ("حالة الإرسال", "Delivery"),
    "column_attempts": ("المحاولات", "Attempts"),
    "column_http": ("آخر رمز HTTP", "Last HTTP status"),
    "column_url": ("العنوان", "URL"),
    "no_checkouts": ("لا توجد عمليات دفع بعد.", "No checkouts yet."),
    "no_deliveries": ("لا توجد إشعارات بعد.", "No webhook deliveries yet."),
    "status_open": ("مفتوحة", "Open"),
    "status_paid": ("مدفوعة", "Paid"),
    "status_declined": ("مرفوضة", "Declined"),
    "status_3ds_failed": ("فشل التحقق \u20663-D Secure\u2069", "3-D Secure failed"),
    "status_timeout": ("انتهت المهلة", "Timed out"),
    "status_cancelled": ("ملغاة", "Cancelled"),
    "status_refunded": ("مستردّة", "Refunded"),
    "delivery_pending": ("قيد الإرسال", "Pending"),
    "delivery_delivered": ("تم التسليم", "Delivered"),
    "delivery_failed": ("تعذّر التسليم", "Failed"),
}


def language_choose(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def text_for(lang: str) -> dict[str, str]:
    index = 0 if language_choose(lang) == "ar" else 1
    return {key: pair[index] for key, pair in STRINGS.items()}


def amount_display(amount_halalas: int, lang: str) -> str:
    riyals, halalas = divmod(amount_halalas, 100)
    return text_for(lang)["amount_format"].format(amount=f"{riyals:,}.{halalas:02d}")
