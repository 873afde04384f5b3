// Command wasm is the admin app's entry point in the browser.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/page"
)

func main() {
	page.Register()
	app.RunWhenOnBrowser()
}
