"""Object permissions (django-guardian) with direct foreign keys: fast joins, real constraints.

A role's reach is a grant on a jurisdiction unit (`serve_<role>` on the class, school, township
…); an assignee's reach is a grant on the case (`own_case`). `cases.grants` keeps them in step
with staff roles and case owners; `cases.access` and `cases.selectors` read them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class UnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("cases.Unit", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("unit permission of a user")
        verbose_name_plural = _("unit permissions of users")


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("cases.Unit", on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("unit permission of a group")
        verbose_name_plural = _("unit permissions of groups")


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("cases.Case", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("case permission of a user")
        verbose_name_plural = _("case permissions of users")


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("cases.Case", on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("case permission of a group")
        verbose_name_plural = _("case permissions of groups")
