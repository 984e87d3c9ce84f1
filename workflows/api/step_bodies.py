"""Each step's request body as the schema shows it, read from the step's own form (the registry's
form stays the one check of the input; this only describes it): a field's kind, whether it is
required, its length, bounds and choices. The stage and version the pages send are not in it:
the API takes the version from `If-Match`."""

from django import forms
from rest_framework import serializers

from cases.ladder import RULES

from .. import registry

PAGE_ONLY = {"seen_stage", "seen_version"}


def _field_of(form_field: forms.Field, *, required: bool) -> serializers.Field:
    common = {"required": required, "help_text": str(form_field.label or "")}
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(form_field, forms.ModelChoiceField):
        return serializers.IntegerField(**{**common, "help_text": f"{common['help_text']} (id)"})
    if isinstance(form_field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=list(form_field.choices), **common)
    if isinstance(form_field, forms.ChoiceField):
        return serializers.ChoiceField(choices=list(form_field.choices), **common)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=form_field.min_value, max_value=form_field.max_value, **common
        )
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(**{**common, "required": False})
    return serializers.CharField(
        max_length=getattr(form_field, "max_length", None), allow_blank=not required, **common
    )


def body_of(step: str) -> type[serializers.Serializer]:
    """A serializer class describing `step`'s form (the note required where the ladder says)."""
    form = registry.STEPS[step].form
    fields = {}
    for name, form_field in form.base_fields.items():
        if name in PAGE_ONLY:
            continue
        required = form_field.required or (name == "note" and RULES[step].note_required)
        fields[name] = _field_of(form_field, required=required)
    name = "".join(part.title() for part in step.split("_")) + "Step"
    return type(name, (serializers.Serializer,), fields)
