package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/store"
)

// cliActor is how operator commands appear in the audit trail.
var cliActor = auditlog.System("annexa cli")

// pickOrg resolves --org: by name when given, else the only organisation there is.
func pickOrg(ctx context.Context, db *store.DB, name string) (org.Organisation, error) {
	if name != "" {
		return db.OrganisationByName(ctx, name)
	}
	orgs, err := db.Organisations(ctx)
	if err != nil {
		return org.Organisation{}, err
	}
	switch len(orgs) {
	case 0:
		return org.Organisation{}, fmt.Errorf("there is no organisation yet; create the first admin with annexa user add")
	case 1:
		return orgs[0], nil
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = o.Name
	}
	return org.Organisation{}, fmt.Errorf("there are %d organisations (%s); choose one with --org", len(orgs), strings.Join(names, ", "))
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--password-stdin: no password on standard input")
	}
	return pw, nil
}

func (e *env) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add, list and disable people"}
	var email, name, role, orgName string
	var passwordStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a person to an organisation (on an empty database: the first organisation and its admin)",
		Example: "  echo 'a long passphrase' | annexa user add --email ada@example.org --role admin --password-stdin\n" +
			"  annexa user add --email bob@example.org --role auditor --org Acme --password-stdin < secret.txt",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var pw string
			if passwordStdin {
				var err error
				if pw, err = readPassword(e.stdin); err != nil {
					return err
				}
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				n, err := db.UserCount(ctx)
				if err != nil {
					return err
				}
				u := auth.NewUser{Email: email, Name: name, Role: auth.Role(role), Password: pw}
				if n == 0 {
					if u.Role != auth.Admin {
						return fmt.Errorf("the first person must be an admin: use --role admin")
					}
					if orgName == "" {
						orgName = "Default"
					}
					o, m, err := db.Bootstrap(ctx, orgName, u, cliActor)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "created organisation %q and its admin %s\n", o.Name, m.Email)
					return nil
				}
				o, err := pickOrg(ctx, db, orgName)
				if err != nil {
					return err
				}
				m, err := db.AddMember(ctx, o.ID, u, cliActor)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "added %s to %q as %s\n", m.Email, o.Name, m.Role)
				return nil
			})
		},
	}
	add.Flags().StringVar(&email, "email", "", "e-mail address (required)")
	add.Flags().StringVar(&name, "name", "", "the person's name")
	add.Flags().StringVar(&role, "role", "viewer", "role: "+auth.RoleNames())
	add.Flags().StringVar(&orgName, "org", "", "organisation name (required when there are several; names the first one on an empty database)")
	add.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	_ = add.MarkFlagRequired("email")

	list := &cobra.Command{
		Use:   "list",
		Short: "List people and their roles in every organisation",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				ms, err := db.AllMembers(ctx)
				if err != nil {
					return err
				}
				orgs, err := db.Organisations(ctx)
				if err != nil {
					return err
				}
				names := map[string]string{}
				for _, o := range orgs {
					names[o.ID] = o.Name
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EMAIL\tNAME\tORGANISATION\tROLE\tSTATE")
				for _, m := range ms {
					state := "active"
					if m.DisabledAt != nil {
						state = "disabled"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Email, m.Name, names[m.OrgID], m.Role, state)
				}
				return tw.Flush()
			})
		},
	}
	var disableEmail string
	disable := &cobra.Command{
		Use:   "disable",
		Short: "Disable a person's account everywhere, ending their sessions and tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				u, err := db.DisableUser(ctx, disableEmail, cliActor)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "disabled %s\n", u.Email)
				return nil
			})
		},
	}
	disable.Flags().StringVar(&disableEmail, "email", "", "e-mail address (required)")
	_ = disable.MarkFlagRequired("email")
	cmd.AddCommand(add, list, disable)
	return cmd
}

// parseExpiry reads durations such as 90d, 12h or never.
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "never" {
		return nil, nil
	}
	var d time.Duration
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--expires must look like 90d, 12h or never")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			return nil, fmt.Errorf("--expires must look like 90d, 12h or never")
		}
	}
	t := now.Add(d)
	return &t, nil
}

func (e *env) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	var email, name, expires, orgName string
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create an API token for a person; the token is printed alone on the last line",
		Example: "  TOKEN=$(annexa token create --email ada@example.org --name ci --expires 90d | tail -n 1)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exp, err := parseExpiry(expires, time.Now())
			if err != nil {
				return err
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				u, err := db.UserByEmail(ctx, email)
				if err != nil {
					return err
				}
				o, err := memberOrg(ctx, db, u.ID, orgName)
				if err != nil {
					return err
				}
				secret, tok, err := db.CreateToken(ctx, o.ID, u.ID, auth.NewTokenRequest{Name: name, ExpiresAt: exp}, cliActor)
				if err != nil {
					return err
				}
				when := "never expires"
				if tok.ExpiresAt != nil {
					when = "expires " + tok.ExpiresAt.Format(time.RFC3339)
				}
				fmt.Fprintf(e.stderr, "token %q for %s in %q, %s; it is shown only once:\n", tok.Name, u.Email, o.Name, when)
				fmt.Fprintln(e.stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "the person the token acts as (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for (required)")
	create.Flags().StringVar(&expires, "expires", "90d", "lifetime such as 30d, 12h, or never")
	create.Flags().StringVar(&orgName, "org", "", "organisation, when the person belongs to several")
	_ = create.MarkFlagRequired("email")
	_ = create.MarkFlagRequired("name")

	var listOrg string
	list := &cobra.Command{
		Use:   "list",
		Short: "List an organisation's API tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := pickOrg(ctx, db, listOrg)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tPERSON\tTOKEN\tEXPIRES\tLAST USED\tSTATE")
				req := store.PageRequest{Limit: store.MaxLimit}
				for {
					pg, err := db.Tokens(ctx, o.ID, "", req)
					if err != nil {
						return err
					}
					for _, t := range pg.Items {
						state := "active"
						if t.RevokedAt != nil {
							state = "revoked"
						} else if !t.Active(time.Now()) {
							state = "expired"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.UserEmail, t.Hint, stamp(t.ExpiresAt, "never"), stamp(t.LastUsedAt, "never"), state)
					}
					if pg.NextCursor == "" {
						break
					}
					req.Cursor = pg.NextCursor
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&listOrg, "org", "", "organisation, when there are several")

	var revokeOrg string
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := pickOrg(ctx, db, revokeOrg)
				if err != nil {
					return err
				}
				t, err := db.RevokeToken(ctx, o.ID, args[0], cliActor)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked token %q of %s\n", t.Name, t.UserEmail)
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&revokeOrg, "org", "", "organisation, when there are several")
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func stamp(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// memberOrg picks the organisation a token is for: --org, or the person's only one.
func memberOrg(ctx context.Context, db *store.DB, userID, name string) (org.Organisation, error) {
	if name != "" {
		o, err := db.OrganisationByName(ctx, name)
		if err != nil {
			return o, err
		}
		if _, err := db.Member(ctx, o.ID, userID); err != nil {
			return o, fault.New(fault.NotFound, "the person is not a member of %q", name)
		}
		return o, nil
	}
	ms, err := db.Memberships(ctx, userID)
	if err != nil {
		return org.Organisation{}, err
	}
	if len(ms) != 1 {
		return org.Organisation{}, fmt.Errorf("the person belongs to %d organisations; choose one with --org", len(ms))
	}
	return db.Organisation(ctx, ms[0].OrgID)
}

func (e *env) orgCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Add and list organisations"}
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add an organisation; then add its people with annexa user add --org NAME",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := db.CreateOrganisation(ctx, args[0], cliActor)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "added organisation %q (%s)\n", o.Name, o.ID)
				return nil
			})
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List organisations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				orgs, err := db.Organisations(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tPEOPLE\tCREATED")
				for _, o := range orgs {
					n, err := db.MemberCount(ctx, o.ID)
					if err != nil {
						return err
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", o.ID, o.Name, n, o.CreatedAt.Format("2006-01-02"))
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

func (e *env) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Work with the audit trail"}
	var orgName string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify the hash chain of one organisation's audit trail, or of all; exits 1 on a broken chain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				var orgs []org.Organisation
				if orgName != "" {
					o, err := db.OrganisationByName(ctx, orgName)
					if err != nil {
						return err
					}
					orgs = []org.Organisation{o}
				} else {
					var err error
					if orgs, err = db.Organisations(ctx); err != nil {
						return err
					}
				}
				broken := 0
				for _, o := range orgs {
					v, err := db.VerifyAuditLog(ctx, o.ID)
					if err != nil {
						return err
					}
					if v.OK {
						fmt.Fprintf(e.stdout, "%s: ok, %d entries, head %s\n", o.Name, v.Entries, v.LastHash)
						continue
					}
					broken++
					fmt.Fprintf(e.stdout, "%s: BROKEN at entry %d (%s): %s\n", o.Name, v.Break.Seq, v.Break.EntryID, v.Break.Reason)
				}
				if broken > 0 {
					return fmt.Errorf("%d audit chain(s) broken", broken)
				}
				return nil
			})
		},
	}
	verify.Flags().StringVar(&orgName, "org", "", "only this organisation")
	cmd.AddCommand(verify)
	return cmd
}

func (e *env) backupCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a consistent online snapshot of a SQLite installation to a .tar.gz",
		Long: "Write a consistent snapshot of the SQLite database (taken while the server runs) to FILE as a gzipped tar.\n" +
			"Restore: stop the server, then  tar -xzf FILE -C DATA_DIR  and start it again.\n" +
			"PostgreSQL installations are backed up with pg_dump.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				out = "annexa-backup-" + time.Now().UTC().Format("20060102T150405Z") + ".tar.gz"
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				if err := app.Backup(ctx, db, out); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "backup written to %s\n", out)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (default annexa-backup-<time>.tar.gz)")
	return cmd
}
