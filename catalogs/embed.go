// Package catalogs embeds Annexa's framework content: catalogs, crosswalks, EU AI Act rules
// and timeline, and discovery signatures. The data is read by the capability packages; this
// package only carries the files so that the binary needs nothing beside it.
package catalogs

import "embed"

// FS holds every data file under catalogs/, each subdirectory owned by one capability.
//
//go:embed *
var FS embed.FS
