package page

import (
	"strings"

	"customevents/app/apitype"
)

// SuggestSlug derives a slug from an event name, such as
// watched-demo-video from "Watched Demo Video!". Letters a-z and digits are
// kept in lowercase, every other run of characters becomes one hyphen, and
// the result is cut to the slug length limit. It can still be a reserved
// slug, which the form's validation then reports.
func SuggestSlug(name string) string {
	var b strings.Builder
	pendingHyphen := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if pendingHyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			pendingHyphen = false
			b.WriteRune(r)
			continue
		}
		pendingHyphen = true
	}
	slug := b.String()
	if len(slug) > apitype.MaxSlugLength {
		slug = strings.TrimRight(slug[:apitype.MaxSlugLength], "-")
	}
	return slug
}
