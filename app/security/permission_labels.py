"""Chinese names for Flask-AppBuilder's permission pairs, for the role screens:
"can_list on DemandModelView" reads 改革需求（页面）：查看列表."""

from __future__ import annotations

VERBS = {
    "can_list": "查看列表", "can_show": "查看详情", "can_add": "新增", "can_edit": "修改",
    "can_delete": "删除", "can_export": "导出 Excel", "can_transition": "提交、撤回、审核",
    "bulk_approve": "批量通过", "bulk_reject": "批量驳回", "can_bulk_reject_form": "批量驳回",
    "can_get": "读取", "can_post": "新建", "can_put": "修改", "can_info": "字段说明",
    "menu_access": "显示菜单", "can_index": "打开", "can_download": "下载",
    "can_this_form_get": "打开表单", "can_this_form_post": "提交表单",
    "can_userinfo": "查看本人信息", "can_bulk": "批量审核", "can_read": "查看",
    "can_choices": "选项", "resetmypassword": "修改本人密码", "resetpasswords": "重置密码",
    "userinfoedit": "修改本人信息", "freeze": "冻结", "newversion": "创建新版本",
    "copyrole": "复制角色", "can_show_all": "查看全部",
}

VIEWS = {
    "ReformUserDBModelView": "用户", "UserDBModelView": "用户", "RoleModelView": "角色",
    "ReformRoleModelView": "角色", "UnitModelView": "单位", "TodoView": "待办",
    "WorkflowApi": "审核流程接口", "AttachmentView": "佐证材料", "ChangePasswordApi": "修改密码接口",
    "MenuApi": "菜单接口", "OpenApi": "接口文档", "SwaggerView": "接口文档", "LocaleView": "界面语言",
    "Locale": "界面语言", "UserInfoEditView": "本人信息", "ResetMyPasswordView": "修改本人密码",
    "ReformResetMyPasswordView": "修改本人密码", "ResetPasswordView": "重置密码",
    "ReformResetPasswordView": "重置密码", "UserImportView": "批量导入用户",
    "SchemeModelView": "指标体系", "SchemeIndicatorModelView": "指标",
    "ReformDomainModelView": "领域", "ReformTrackModelView": "跑道", "Security": "系统管理",
    "List Users": "用户列表", "List Roles": "角色列表", "Units": "单位管理",
    "Import Users": "批量导入用户", "Schemes": "指标体系", "Scoring": "指标体系",
    "UtilView": "通用", "SecurityApi": "登录接口", "RateLimitedSecurityApi": "登录接口",
    "AuthDBView": "登录",
}


def view_label(name: str) -> str:
    from app.workflow.registry import all_types

    for rt in all_types():
        if name == rt.view_name:
            return f"{rt.label}（页面）"
        if name == rt.api_name:
            return f"{rt.label}（接口）"
    return VIEWS.get(name, name)


def summary(permission_views) -> str:
    """One line per screen: 改革需求（页面）：查看列表、查看详情 …"""
    grouped: dict[str, list[str]] = {}
    for pv in permission_views:
        view = view_label(pv.view_menu.name)
        grouped.setdefault(view, []).append(VERBS.get(pv.permission.name, pv.permission.name))
    return "；".join(f"{view}：{'、'.join(sorted(set(verbs)))}"
                    for view, verbs in sorted(grouped.items()))
