package page

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// runConfirmed runs call in the background for the row in *confirmingID,
// after the user confirmed a delete or revoke. It does nothing while *busy
// is set or when no row is awaiting confirmation. When call returns, it
// clears both fields and passes the row's id and call's error to done on
// the UI goroutine.
func runConfirmed(ctx app.Context, confirmingID *int64, busy *bool, call func(id int64) error, done func(ctx app.Context, id int64, err error)) {
	id := *confirmingID
	if id == 0 || *busy {
		return
	}
	*busy = true
	ctx.Async(func() {
		err := call(id)
		ctx.Dispatch(func(ctx app.Context) {
			*busy = false
			*confirmingID = 0
			done(ctx, id, err)
		})
	})
}
