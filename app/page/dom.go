package page

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// setControlValue sets the value property of the form control with the
// given id. go-app leaves a control's value alone when the rendered value
// becomes empty, and a textarea's text only sets its default value, so
// forms that reset or load a record set the property directly.
//
// NOTE: go-app writes a control's rendered value on its next frame, after
// the input handler has run. A key typed in between might be overwritten
// by that write. Whether this happens is unconfirmed: a browser test that
// typed with the page running between keys never lost one.
func setControlValue(id, value string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", value)
	}
}

// focus moves the keyboard focus to the element with the given id.
func focus(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
