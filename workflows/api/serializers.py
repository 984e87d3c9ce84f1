"""What the API shows of a case, a student and an inbox item: names and stages, never a full
identity or phone number (the registry number masked)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.masking import mask_student_no
from cases.models import Case, Student
from cases.staff import name_of
from notifications.models import InboxItem

from ..attendance.upload import STATUS as ATTENDANCE_STATUSES


class CaseSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display")
    student = serializers.CharField(source="student.name")
    school = serializers.CharField(source="school.name")
    klass = serializers.CharField(source="klass.name")
    township = serializers.CharField(source="township.name")
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "stage", "stage_label", "student", "school", "klass", "township", "owner",
            "deadline", "opened_at", "version",
        ]  # fmt: skip

    def get_owner(self, case) -> str:
        return name_of(case.owner)


class StepOptionSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    blocked_by = serializers.CharField(allow_null=True)


class TimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField()
    text = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField()
    status = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    """The case with what the caller may do now, its timeline and documents (given in the
    serializer's context, read once by the view)."""

    reasons = serializers.ListField(child=serializers.CharField())
    whereabouts = serializers.CharField()
    last_seen_on = serializers.DateField(allow_null=True)
    steps = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    @extend_schema_field(StepOptionSerializer(many=True))
    def get_steps(self, case) -> list:
        return StepOptionSerializer(self.context["steps"], many=True).data

    @extend_schema_field(TimelineSerializer(many=True))
    def get_timeline(self, case) -> list:
        return TimelineSerializer(self.context["timeline"], many=True).data

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, case) -> list:
        return DocumentSerializer(self.context["documents"], many=True).data

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "reasons", "whereabouts", "last_seen_on", "steps", "timeline", "documents",
        ]  # fmt: skip


class StudentSerializer(serializers.ModelSerializer):
    student_no = serializers.SerializerMethodField()
    school = serializers.CharField(source="school.name")
    klass = serializers.CharField(source="klass.name")

    class Meta:
        model = Student
        fields = ["id", "name", "gender", "student_no", "school", "klass"]

    def get_student_no(self, student) -> str:
        return mask_student_no(student.student_no)


class StudentSearchSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)


class InboxSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboxItem
        fields = ["id", "title", "body", "url", "created_at", "read_at"]


class StepInputSerializer(serializers.Serializer):
    """A step's input: the fields of its form on the pages (each step its own; `note` where the
    ladder asks for a reason). The case's version goes in the `If-Match` header."""

    note = serializers.CharField(required=False, allow_blank=True)


ATTENDANCE_ROWS_MAX = 2000  # one school's day is a few hundred rows; a week of a big school fits


class AttendanceRowSerializer(serializers.Serializer):
    """One student's day, as the attendance file has it (学籍号, 日期, 出勤情况, 原因, 联系人)."""

    student_no = serializers.CharField(max_length=40)
    date = serializers.CharField(max_length=20, help_text="YYYY-MM-DD")
    status = serializers.ChoiceField(choices=list(ATTENDANCE_STATUSES))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contacted = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AttendanceRowsSerializer(serializers.Serializer):
    rows = AttendanceRowSerializer(many=True, min_length=1, max_length=ATTENDANCE_ROWS_MAX)


class AttendanceRefusalSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="the row's place in `rows`, from 1")
    field = serializers.CharField()
    message = serializers.CharField()


class AttendanceRefusedSerializer(serializers.Serializer):
    """Refused: either the body's shape (`errors`, by field) or rows the check refused (`rows`,
    each with its reason); in both cases nothing was recorded."""

    detail = serializers.CharField()
    rows = AttendanceRefusalSerializer(many=True, required=False)
    errors = serializers.DictField(required=False)


class AttendanceResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    new = serializers.IntegerField(help_text="absences recorded for the first time")
    changed = serializers.IntegerField(help_text="days recorded before and now different")
    unchanged = serializers.IntegerField(help_text="days already recorded as sent")
