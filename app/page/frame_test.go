package page

import (
	"strings"
	"testing"

	"customevents/app/apitype"
)

func TestVisibleNavItemsByRole(t *testing.T) {
	want := map[string]string{
		apitype.RoleViewer: "/automations/custom-events /automations/action-sets /contacts /live-events /settings/custom-events /settings/graphql",
		apitype.RoleEditor: "/automations/custom-events /automations/action-sets /contacts /live-events /settings/custom-events /settings/beacon /settings/graphql",
		apitype.RoleAdmin:  "/automations/custom-events /automations/action-sets /contacts /live-events /settings/custom-events /settings/beacon /settings/graphql /settings/privacy /settings/api-keys /settings/account /settings/members",
		apitype.RoleOwner:  "/automations/custom-events /automations/action-sets /contacts /live-events /settings/custom-events /settings/beacon /settings/graphql /settings/privacy /settings/api-keys /settings/account /settings/members",
	}
	for _, role := range apitype.Roles {
		s := &apitype.Session{Role: role}
		var paths []string
		for _, item := range visibleNavItems(s) {
			paths = append(paths, item.path)
			if !pageAllowed(item.path, *s) {
				t.Errorf("%s: %s listed but not allowed", role, item.path)
			}
		}
		if got := strings.Join(paths, " "); got != want[role] {
			t.Errorf("%s sees %s, want %s", role, got, want[role])
		}
	}
	if n := len(visibleNavItems(nil)); n != len(navItems) {
		t.Errorf("items before the session loads = %d, want all %d", n, len(navItems))
	}
	if pageAllowed(PathMembers, apitype.Session{Role: "unknown"}) {
		t.Error("unknown role may open Members, want not")
	}
}
