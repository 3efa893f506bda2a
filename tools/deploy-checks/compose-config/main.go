// Command compose-config loads Compose files the way `docker compose config` does,
// with compose-go (the library docker compose is built on): interpolation from the
// environment, validation against the Compose schema, normalization and the
// consistency checks (unknown services in depends_on, undeclared volumes and
// networks, ...). It prints the resolved project as JSON, or the error and exits 1.
//
//	compose-config docker-compose.yml [more.yml ...]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config <compose file> [<compose file> ...]")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithConsistency(true))
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(project); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
