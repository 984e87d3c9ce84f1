"""The first version of each kind's wording: an administrator changes it by adding a version."""

from django.db import migrations
from django.utils import timezone

WORDINGS = {
    "dropout_report": (
        "辍学报告单",
        "{学校}{班级}学生{学生}，自{离校日期}起未到校，至今已缺课{缺勤天数}天。\n"
        "辍学原因：{原因}。\n"
        "目前去向：{去向}。\n"
        "班主任和科任教师已家访{家访次数}次，劝返未果。根据控辍保学工作要求，特此报告，"
        "请乡镇人民政府和县教育行政部门依法督促其返校。",
    ),
    "return_notice": (
        "辍学生返校通知书",
        "{监护人}：\n"
        "您的子女{学生}系{学校}{班级}学生，自{离校日期}起未到校上课，至今已缺课{缺勤天数}天。\n"
        "根据《中华人民共和国义务教育法》第五条、第十一条的规定，适龄儿童、少年的父母或者其他"
        "法定监护人应当依法保证其按时入学接受并完成义务教育。\n"
        "请于{返校日期}前送其返校就读。如有困难，请及时与学校联系，学校将依规给予帮助。\n"
        "逾期不返校的，学校将书面报告乡镇人民政府和县教育行政部门，依法处理。",
    ),
    "order": (
        "责令限期复学通知书",
        "{监护人}：\n"
        "经查，你的子女{学生}系{学校}学生，自{离校日期}起未到校就读。学校和乡镇、村已先后"
        "{劝返次数}次劝返，你仍未送其返校。\n"
        "你的上述行为违反了《中华人民共和国义务教育法》第五条、第十一条、第十三条的规定。根据"
        "该法第五十八条的规定，现责令你自接到本通知书之日起{期限天数}日内送其到{学校}复学。\n"
        "逾期仍不送子女复学的，本机关将依法采取进一步措施，直至向人民法院提起诉讼。",
    ),
}


def create(apps, schema_editor):
    Wording = apps.get_model("cases", "Wording")
    now = timezone.now()
    for kind, (title, body) in WORDINGS.items():
        Wording.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body, "created_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0026_documents")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
