"""Masked display of identity, registry and phone numbers: what every page shows by default."""


def mask_id_number(number: str) -> str:
    """3404**********0011: the first four and last four characters of an identity number."""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_student_no(number: str) -> str:
    """G340**********0011: the registry number embeds the identity number, so mask it alike."""
    return mask_id_number(number)


def mask_phone(phone: str) -> str:
    """138****5678 for a mobile; 0554-***4567 for a landline."""
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[-4:]}"
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}"
    return "*" * len(phone)
