package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// catalogView is what the catalog commands read: the built-in catalogs, plus the imports of
// one organisation when a database is there — the one named by --org, or the only one.
// close releases the database, if one was opened.
func (e *env) catalogView(cmd *cobra.Command, orgName string) (v *catalog.View, close func(), err error) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		return nil, nil, err
	}
	builtin := &catalog.View{Library: lib}
	url, err := e.databaseURL()
	if err != nil {
		return nil, nil, err
	}
	if url == "" && orgName == "" {
		if _, err := os.Stat(filepath.Join(e.dataDir, "annexa.db")); err != nil {
			return builtin, func() {}, nil // no database yet: nothing can have been imported
		}
	}
	ctx := cmd.Context()
	db, err := e.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	if orgName == "" {
		orgs, err := db.Organisations(ctx)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		if len(orgs) != 1 {
			if len(orgs) > 1 {
				fmt.Fprintln(e.stderr, "note: several organisations; showing built-in catalogs only (choose one with --org to include its imports)")
			}
			db.Close()
			return builtin, func() {}, nil
		}
	}
	o, err := pickOrg(ctx, db, orgName)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	v, err = catalog.NewViews(lib, db).For(ctx, o.ID)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return v, func() { db.Close() }, nil
}

func findCatalog(v *catalog.View, id string) (*catalog.Catalog, error) {
	c, ok := v.Catalog(id)
	if !ok {
		ids := []string{}
		for _, c := range v.Catalogs() {
			ids = append(ids, c.ID)
		}
		return nil, fault.New(fault.NotFound, "catalog %q not found; known: %s (an organisation's imports need --org when there are several)", id, strings.Join(ids, ", "))
	}
	return c, nil
}

// output opens --out, or standard output when it is empty or "-".
func (e *env) output(path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return e.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func (e *env) catalogCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "List, show, export and import framework catalogs"}
	var orgName string
	cmd.PersistentFlags().StringVar(&orgName, "org", "", "organisation whose imported catalogs to include (default: the only one)")

	var listFormat string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the framework catalogs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, done, err := e.catalogView(cmd, orgName)
			if err != nil {
				return err
			}
			defer done()
			type row struct {
				ID       string `json:"id"`
				Title    string `json:"title"`
				Version  string `json:"version"`
				Kind     string `json:"kind"`
				Items    int    `json:"items"`
				Imported bool   `json:"imported"`
			}
			var rows []row
			for _, c := range v.Catalogs() {
				_, imported := v.Imported(c.ID)
				rows = append(rows, row{c.ID, c.Title, c.Version, string(c.Kind), len(c.Items), imported})
			}
			switch listFormat {
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			case "table", "":
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tVERSION\tKIND\tITEMS\tSOURCE\tTITLE")
				for _, r := range rows {
					src := "built-in"
					if r.Imported {
						src = "imported"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Version, r.Kind, r.Items, src, r.Title)
				}
				return tw.Flush()
			}
			return fault.New(fault.Invalid, "--format must be table or json, not %q", listFormat)
		},
	}
	list.Flags().StringVar(&listFormat, "format", "table", "table or json")

	var showFormat string
	show := &cobra.Command{
		Use:   "show ID [ITEM]",
		Short: "Show a catalog's tree, or one item and what it maps to in every other framework",
		Example: "  annexa catalog show iso42001-2023\n" +
			"  annexa catalog show nist-ai-rmf-1.0 'GOVERN 1.1'\n" +
			"  annexa catalog show eu-ai-act-2024-1689 'Art.5(1)(a)' --format json",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if showFormat != "text" && showFormat != "json" {
				return fault.New(fault.Invalid, "--format must be text or json, not %q", showFormat)
			}
			v, done, err := e.catalogView(cmd, orgName)
			if err != nil {
				return err
			}
			defer done()
			c, err := findCatalog(v, args[0])
			if err != nil {
				return err
			}
			if len(args) == 1 {
				return e.showCatalog(c, showFormat)
			}
			return e.showItem(v, c, args[1], showFormat)
		},
	}
	show.Flags().StringVar(&showFormat, "format", "text", "text or json")

	var exportFormat, exportOut string
	export := &cobra.Command{
		Use:     "export ID",
		Short:   "Export a catalog as OSCAL 1.2, JSON, CSV or XLSX",
		Example: "  annexa catalog export iso27001-2022 --format oscal --out iso27001.oscal.json\n  annexa catalog export iso42001-2023 --format xlsx --out iso42001.xlsx",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, done, err := e.catalogView(cmd, orgName)
			if err != nil {
				return err
			}
			defer done()
			c, err := findCatalog(v, args[0])
			if err != nil {
				return err
			}
			var write func(io.Writer) error
			switch exportFormat {
			case "oscal":
				write = func(w io.Writer) error {
					b, err := catalog.ExportOSCALCatalog(c)
					if err == nil {
						_, err = w.Write(append(b, '\n'))
					}
					return err
				}
			case "json":
				write = func(w io.Writer) error {
					enc := json.NewEncoder(w)
					enc.SetIndent("", " ")
					return enc.Encode(c)
				}
			case "csv":
				write = c.WriteCSV
			case "xlsx":
				write = c.WriteXLSX
			default:
				return fault.New(fault.Invalid, "--format must be oscal, json, csv or xlsx, not %q", exportFormat)
			}
			return e.writeTo(exportOut, write)
		},
	}
	export.Flags().StringVar(&exportFormat, "format", "oscal", "oscal, json, csv or xlsx")
	export.Flags().StringVar(&exportOut, "out", "", "file to write (default: standard output)")

	var replace bool
	var basePath, importID string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import an OSCAL 1.x catalog or profile as one of an organisation's catalogs",
		Example: "  annexa catalog import NIST_SP-800-53_rev5_catalog.json --id nist-sp-800-53-rev5\n" +
			"  annexa catalog import LOW-baseline_profile.json --base NIST_SP-800-53_rev5_catalog.json --org Acme --replace",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readLimited(args[0])
			if err != nil {
				return err
			}
			opts := catalog.ImportOptions{ID: importID}
			if basePath != "" {
				if opts.Base, err = readLimited(basePath); err != nil {
					return err
				}
				opts.BaseName = basePath
			}
			c, err := catalog.ImportOSCAL(args[0], data, opts)
			if err != nil {
				return catalog.ImportFault(err)
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := pickOrg(ctx, db, orgName)
				if err != nil {
					return err
				}
				lib, err := catalog.LoadEmbedded()
				if err != nil {
					return err
				}
				im, err := catalog.NewViews(lib, db).Import(ctx, o.ID, c, replace, cliActor)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "imported catalog %s (version %s, %d groups, %d items) into %s at %s\n",
					im.CatalogID, im.Version, len(c.Groups), len(c.Items), o.Name, im.ImportedAt.Format(time.RFC3339))
				return nil
			})
		},
	}
	imp.Flags().BoolVar(&replace, "replace", false, "replace an earlier import with the same id (built-in catalogs are never replaced)")
	imp.Flags().StringVar(&basePath, "base", "", "the OSCAL catalog a profile is resolved against")
	imp.Flags().StringVar(&importID, "id", "", "catalog id to give the import (default: derived from its title)")

	cmd.AddCommand(list, show, export, imp)
	return cmd
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, catalog.MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > catalog.MaxImportBytes {
		return nil, fault.New(fault.TooLarge, "%s is larger than %d MiB", path, catalog.MaxImportBytes>>20)
	}
	return data, nil
}

func (e *env) writeTo(path string, write func(io.Writer) error) error {
	w, closeOut, err := e.output(path)
	if err != nil {
		return err
	}
	if err := write(w); err != nil {
		closeOut()
		return err
	}
	return closeOut()
}

func (e *env) showCatalog(c *catalog.Catalog, format string) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*catalog.Catalog
			Tree []*catalog.Node `json:"tree"`
		}{c, c.Tree()})
	}
	fmt.Fprintf(e.stdout, "%s — %s (version %s, %s)\n", c.ID, c.Title, c.Version, c.Kind)
	if c.Source != "" {
		fmt.Fprintf(e.stdout, "source: %s\n", c.Source)
	}
	if c.Notice != "" {
		fmt.Fprintf(e.stdout, "notice: %s\n", c.Notice)
	}
	fmt.Fprintln(e.stdout)
	var walk func(ns []*catalog.Node, depth int)
	walk = func(ns []*catalog.Node, depth int) {
		for _, n := range ns {
			pad := strings.Repeat("  ", depth)
			if n.Group != nil {
				fmt.Fprintf(e.stdout, "%s[%s] %s\n", pad, n.Group.ID, n.Group.Title)
			} else {
				fmt.Fprintf(e.stdout, "%s%s  %s\n", pad, n.Item.ID, n.Item.Title)
			}
			walk(n.Children, depth+1)
		}
	}
	walk(c.Tree(), 0)
	return nil
}

func (e *env) showItem(v *catalog.View, c *catalog.Catalog, itemID, format string) error {
	it, ok := c.Item(itemID)
	if !ok {
		return fault.New(fault.NotFound, "item %q not found in catalog %s", itemID, c.ID)
	}
	links, err := v.Related(c.ID, it.ID, 2)
	if err != nil {
		return err
	}
	gaps := v.Gaps(c.ID, it.ID)
	if format == "json" {
		type mapping struct {
			catalog.Link
			Path   string `json:"path"`
			Direct bool   `json:"direct"`
		}
		out := struct {
			Catalog       string        `json:"catalog"`
			Item          catalog.Item  `json:"item"`
			Mappings      []mapping     `json:"mappings"`
			NoCounterpart []catalog.Gap `json:"no_counterpart"`
		}{Catalog: c.ID, Item: it, Mappings: []mapping{}, NoCounterpart: gaps}
		if out.NoCounterpart == nil {
			out.NoCounterpart = []catalog.Gap{}
		}
		for _, k := range links {
			out.Mappings = append(out.Mappings, mapping{Link: k, Path: k.Path(), Direct: k.Direct()})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s %s — %s\n", c.ID, it.ID, it.Title)
	if it.Summary != "" {
		fmt.Fprintf(w, "  %s\n", it.Summary)
	}
	if len(links) == 0 && len(gaps) == 0 {
		fmt.Fprintln(w, "\nNo mappings to other frameworks are recorded.")
	}
	if len(links) > 0 {
		fmt.Fprintln(w, "\nMaps to:")
	}
	for _, k := range links {
		how := "direct"
		if !k.Direct() {
			how = "via " + k.Path()
		}
		fmt.Fprintf(w, "- %s %s — %s [%s, %s]\n", k.Target.Catalog, k.Target.ID, k.Target.Title, k.Relationship, how)
		for _, s := range k.Steps {
			conf := ""
			if s.Confidence != "" {
				conf = ", confidence " + string(s.Confidence)
			}
			fmt.Fprintf(w, "    %s %s → %s %s: %s: %s (%s%s)\n", s.From.Catalog, s.From.ID, s.To.Catalog, s.To.ID, s.Relationship, s.Rationale, s.Provenance, conf)
			if s.Disclaimer != "" {
				fmt.Fprintf(w, "    note: %s\n", s.Disclaimer)
			}
		}
	}
	if len(gaps) > 0 {
		fmt.Fprintln(w, "\nNo counterpart in:")
		for _, g := range gaps {
			fmt.Fprintf(w, "- %s: %s\n", g.OtherCatalog, g.Reason)
		}
	}
	return nil
}

func (e *env) crosswalkCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "crosswalk", Short: "Export mappings between frameworks"}
	var format, out string
	export := &cobra.Command{
		Use:     "export FROM TO",
		Short:   "Export the crosswalk from one catalog to another as an OSCAL 1.2 mapping collection or CSV",
		Example: "  annexa crosswalk export iso27001-2022 iso42001-2023 --format csv\n  annexa crosswalk export nist-ai-rmf-1.0 iso42001-2023 --format oscal --out nist-to-42001.json",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			lib, err := catalog.LoadEmbedded()
			if err != nil {
				return err
			}
			for _, id := range args {
				if _, err := findCatalog(&catalog.View{Library: lib}, id); err != nil {
					return err
				}
			}
			x, err := lib.Crosswalk(args[0], args[1])
			if errors.Is(err, catalog.ErrNotFound) {
				return fault.New(fault.NotFound, "no crosswalk between %s and %s", args[0], args[1])
			}
			if err != nil {
				return err
			}
			switch format {
			case "oscal":
				return e.writeTo(out, func(w io.Writer) error {
					b, err := catalog.ExportOSCALMapping(x)
					if err == nil {
						_, err = w.Write(append(b, '\n'))
					}
					return err
				})
			case "csv":
				return e.writeTo(out, func(w io.Writer) error { return lib.WriteCrosswalkCSV(w, x) })
			}
			return fault.New(fault.Invalid, "--format must be oscal or csv, not %q", format)
		},
	}
	export.Flags().StringVar(&format, "format", "oscal", "oscal or csv")
	export.Flags().StringVar(&out, "out", "", "file to write (default: standard output)")
	cmd.AddCommand(export)
	return cmd
}

func (e *env) classifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "classify FILE|-",
		Short: "Classify an AI system under the EU AI Act from a facts document (spec/ai-act-facts.schema.json)",
		Long: "Reads the facts as JSON from FILE, or from standard input with -, and prints the result:\n" +
			"the tier, the articles behind each step and the obligations per role with their dates.\nNot legal advice.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = e.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			facts, err := aiact.DecodeFacts(r)
			var fe *aiact.FactsError
			if errors.As(err, &fe) {
				field := fe.Field
				if field == "" {
					field = "document"
				}
				return &fault.Error{Code: fault.Invalid, Message: "the facts in " + args[0] + " are not acceptable",
					Fields: []fault.FieldError{{Field: field, Message: fe.Reason}}}
			}
			if err != nil {
				return err
			}
			res, err := aiact.Classify(facts, time.Now())
			if err != nil {
				return err
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		},
	}
}
