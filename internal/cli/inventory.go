package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
)

func (e *env) importCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import records from files"}
	var orgName string
	var skipInvalid, dryRun bool
	inv := &cobra.Command{
		Use:   "inventory FILE",
		Short: "Import AI systems from a CSV or XLSX file (header row = API field names; rows with an id update that system)",
		Long: "Import AI systems from CSV or XLSX. The first row names the columns: " + strings.Join(inventory.Columns, ", ") + ".\n" +
			"Every row is checked first; any bad row stops the import with each problem named by line and column,\n" +
			"and nothing changes — unless --skip-invalid, which imports the good rows. The import is one transaction.",
		Example: "  annexa import inventory register.csv --dry-run\n  annexa import inventory register.xlsx --org Acme --skip-invalid",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, format, err := readInventoryFile(args[0], e.stdin)
			if err != nil {
				return err
			}
			rows, err := inventory.Read(format, bytes.NewReader(data))
			if err != nil {
				return e.reportProblems(err)
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := pickOrg(ctx, db, orgName)
				if err != nil {
					return err
				}
				start := time.Now()
				rep, err := db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{SkipInvalid: skipInvalid, DryRun: dryRun}, cliActor)
				if err != nil {
					return e.reportProblems(err)
				}
				for _, f := range rep.Errors {
					fmt.Fprintf(e.stderr, "skipped %s: %s\n", f.Field, f.Message)
				}
				verb := "imported"
				if rep.DryRun {
					verb = "dry run: would import"
				}
				fmt.Fprintf(e.stdout, "%s %d of %d rows into %q in %s: %d created, %d updated, %d skipped\n",
					verb, rep.Created+rep.Updated, rep.Rows, o.Name, time.Since(start).Round(time.Millisecond), rep.Created, rep.Updated, rep.Skipped)
				return nil
			})
		},
	}
	inv.Flags().StringVar(&orgName, "org", "", "organisation to import into (default: the only one)")
	inv.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "import the valid rows and report the others")
	inv.Flags().BoolVar(&dryRun, "dry-run", false, "check every row and report what would change; change nothing")
	cmd.AddCommand(inv)
	return cmd
}

// reportProblems prints each named problem on its own line and returns a one-line summary.
func (e *env) reportProblems(err error) error {
	fields := fault.Fields(err)
	if len(fields) == 0 {
		return err
	}
	for _, f := range fields {
		fmt.Fprintf(e.stderr, "%s: %s\n", f.Field, f.Message)
	}
	return fmt.Errorf("%s", fault.Message(err))
}

// readInventoryFile reads FILE (or standard input for "-") within the import limit and tells
// XLSX from CSV by name or, failing that, by content.
func readInventoryFile(path string, stdin io.Reader) ([]byte, inventory.Format, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), inventory.MaxImportBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > inventory.MaxImportBytes {
		return nil, "", fault.New(fault.TooLarge, "%s is larger than %d MiB", path, inventory.MaxImportBytes>>20)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return data, inventory.XLSX, nil
	case ".csv":
		return data, inventory.CSV, nil
	}
	return data, inventory.Sniff(data), nil
}

func (e *env) exportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "export", Short: "Export records to files"}
	var orgName, format, out string
	inv := &cobra.Command{
		Use:     "inventory",
		Short:   "Export the AI system register as CSV, XLSX or a CycloneDX 1.6 ML-BOM",
		Example: "  annexa export inventory --format xlsx --out register.xlsx\n  annexa export inventory --format cyclonedx --org Acme > ai-bom.cdx.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := inventory.Format(strings.ToLower(format))
			if f != inventory.CSV && f != inventory.XLSX && f != inventory.CycloneDX {
				return fmt.Errorf("--format must be csv, xlsx or cyclonedx, not %q", format)
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := pickOrg(ctx, db, orgName)
				if err != nil {
					return err
				}
				systems, err := db.AllSystems(ctx, o.ID, inventory.Filter{})
				if err != nil {
					return err
				}
				emails, err := db.MemberEmails(ctx, o.ID)
				if err != nil {
					return err
				}
				email := func(id string) string { return emails[id] }
				return e.writeTo(out, func(w io.Writer) error {
					switch f {
					case inventory.XLSX:
						return inventory.WriteXLSX(w, systems, email)
					case inventory.CycloneDX:
						return inventory.WriteMLBOM(w, inventory.MLBOM(systems, email, inventory.MLBOMOptions{Organisation: o.Name,
							Tool: "annexa " + version(), At: time.Now(), SerialNumber: "urn:uuid:" + uuid.NewString()}))
					}
					return inventory.WriteCSV(w, systems, email)
				})
			})
		},
	}
	inv.Flags().StringVar(&orgName, "org", "", "organisation to export (default: the only one)")
	inv.Flags().StringVar(&format, "format", "csv", "csv, xlsx or cyclonedx")
	inv.Flags().StringVar(&out, "out", "", "file to write (default: standard output)")
	cmd.AddCommand(inv)
	return cmd
}

func (e *env) demoCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "demo", Short: "Load the demo organisation"}
	var orgName string
	var passwordStdin bool
	load := &cobra.Command{
		Use:   "load",
		Short: "Create the demo organisation with its people and about 25 AI systems at every EU AI Act tier (idempotent)",
		Long: "Create a demo organisation with an administrator, AI system owners and a realistic AI system register:\n" +
			"built and bought systems, AI hidden in SaaS, every EU AI Act tier. Loading again adds nothing.",
		Example: "  annexa demo load\n  echo 'a long passphrase' | annexa demo load --password-stdin --org 'Demo: Acme'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var pw string
			if passwordStdin {
				var err error
				if pw, err = readPassword(e.stdin); err != nil {
					return err
				}
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				res, err := app.LoadDemo(ctx, db, app.DemoOptions{Organisation: orgName, Password: pw})
				if err != nil {
					return err
				}
				if passwordStdin {
					res.Password = "" // the person typed it; do not echo it
					if !res.Existed {
						fmt.Fprintf(e.stdout, "Loaded the demo organisation %q with %d AI systems; sign in as %s with the password you gave.\n", res.Organisation, res.Systems, res.AdminEmail)
						return nil
					}
				}
				app.PrintDemo(e.stdout, "http://127.0.0.1:8080", res)
				return nil
			})
		},
	}
	load.Flags().StringVar(&orgName, "org", "", "name of the demo organisation (default: the data file's)")
	load.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the demo administrator's password from standard input (default: generate one and print it once)")
	cmd.AddCommand(load)
	return cmd
}
