package api

import (
	"context"
	"fmt"
	"time"

	"customevents/app/apitype"
)

// Mailer sends one plain-text email. The server sends invite and password
// reset links through Config.Mailer when it is set.
type Mailer interface {
	SendMail(ctx context.Context, to, subject, body string) error
}

// mailTimeout bounds one SendMail call.
const mailTimeout = 15 * time.Second

func inviteMail(accountName, role, link string, expiresAt time.Time) (subject, body string) {
	subject = fmt.Sprintf("You are invited to %s on Custom Events", accountName)
	body = fmt.Sprintf("You are invited to join %s on Custom Events as %s.\n\n"+
		"Open this link to accept. It works once, until %s:\n\n%s\n\n"+
		"If you did not expect this invite, ignore this email.\n",
		accountName, apitype.RoleWithArticle(role), expiresAt.UTC().Format("2006-01-02 15:04 UTC"), link)
	return subject, body
}

func passwordResetMail(link string, expiresAt time.Time) (subject, body string) {
	subject = "Reset your Custom Events password"
	body = fmt.Sprintf("Someone asked to reset the password of this email address on Custom Events.\n\n"+
		"Open this link to choose a new password. It works once, until %s:\n\n%s\n\n"+
		"If you did not ask for this, ignore this email: your password stays as it is.\n",
		expiresAt.UTC().Format("2006-01-02 15:04 UTC"), link)
	return subject, body
}
