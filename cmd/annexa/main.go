// Command annexa runs Annexa: the server, and the operator's commands beside it.
package main

import (
	"os"

	"github.com/annexa-dev/annexa/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
