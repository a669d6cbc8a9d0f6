package scope

import (
	"testing"
)

func TestQualifyArgs(t *testing.T) {
	for in, want := range map[string]string{
		"chauffeur.is_assigned_to_me(id)":                    `chauffeur.is_assigned_to_me("ride_booking".id)`,
		"chauffeur.is_assigned_to_me(ride_booking_id)":       `chauffeur.is_assigned_to_me("ride_booking".ride_booking_id)`,
		"core.f(a, 1, b.c, core.g(d), true)":                 `core.f("ride_booking".a, 1, b.c, core.g("ride_booking".d), true)`,
		"(organisation_id = core.current_organisation_id())": "(organisation_id = core.current_organisation_id())",
	} {
		if got := qualifyArgs(in, "ride_booking"); got != want {
			t.Errorf("qualifyArgs(%q) = %q, want %q", in, got, want)
		}
	}
}

func newTestTranslator() *translator {
	return &translator{
		enums: map[string]bool{"chauffeur.dispatch_status": true},
		funcs: map[string]pgFunc{
			"core.current_staff_id": {schema: "core", name: "current_staff_id", lang: "sql", volatile: "s",
				src: " SELECT nullif(current_setting('app.staff_id', true), '')::bigint "},
			"core.owner_only": {schema: "core", name: "owner_only", lang: "sql", volatile: "s", secdef: true, src: "SELECT true"},
			"core.plpgsql":    {schema: "core", name: "plpgsql", lang: "plpgsql", volatile: "s", src: "BEGIN RETURN true; END"},
			"core.reads_role": {schema: "core", name: "reads_role", lang: "sql", volatile: "s", src: "SELECT current_setting('role')"},
		},
		done: map[string]*Function{}, failed: map[string]error{}, working: map[string]bool{},
	}
}

func TestFilter(t *testing.T) {
	tr := newTestTranslator()
	q := func(s string) *string { return &s }
	got, err := tr.filter([]policy{
		{name: "tenant", permissive: false, qual: q("(organisation_id = 1)")},
		{name: "own", permissive: true, qual: q("(staff_id = core.current_staff_id())")},
		{name: "status", permissive: true, qual: q("(status = 'offered'::chauffeur.dispatch_status)")},
	}, "t")
	if err != nil || got != "((organisation_id = 1)) AND (((staff_id = core.current_staff_id())) OR ((status = 'offered'::VARCHAR)))" {
		t.Errorf("filter = %q, %v", got, err)
	}
	if fs := tr.functions(); len(fs) != 1 || fs[0].Body != "(nullif(struct_extract(getvariable('app'), 'staff_id'), '')::bigint)" {
		t.Errorf("functions %+v", fs)
	}
	if got, err := tr.filter([]policy{{name: "tenant", qual: q("true")}}, "t"); got != "false" || err != nil {
		t.Errorf("restrictive only = %q, %v; want no rows", got, err)
	}
	for _, bad := range []string{"core.owner_only()", "core.plpgsql()", "core.reads_role()", "core.missing()",
		"(x = 'a'::core.unknown_type)", "current_setting('app.x')", "(owner = current_user)",
		"pg_has_role('cch_manager', 'member')", "(md5(note) = 'x')"} {
		if _, err := tr.filter([]policy{{name: "p", permissive: true, qual: q(bad)}}, "t"); err == nil {
			t.Errorf("translated %q: it must hide the table", bad)
		}
	}
}

// TestAppSetting: a helper reading the request context through
// core.app_setting (which derives a reporting login's context from its
// name in PostgreSQL) reads the warehouse's app variable, exactly as one
// reading current_setting('app.…', true) does; app_setting itself, which
// reads session_user, is never translated.
func TestAppSetting(t *testing.T) {
	tr := newTestTranslator()
	tr.funcs["core.current_organisation_id"] = pgFunc{schema: "core", name: "current_organisation_id", lang: "sql", volatile: "s",
		src: " SELECT nullif(core.app_setting('organisation_id'), '')::bigint "}
	tr.funcs["core.app_setting"] = pgFunc{schema: "core", name: "app_setting", params: []string{"p_name"}, nargs: 1, lang: "sql", volatile: "s",
		src: "SELECT CASE WHEN starts_with(session_user::text, 'cch_reporting_') THEN core.reporting_setting(p_name) ELSE current_setting('app.' || p_name, true) END"}
	q := func(s string) *string { return &s }
	got, err := tr.filter([]policy{{name: "tenant", qual: q("(organisation_id = core.current_organisation_id())")},
		{name: "all", permissive: true, qual: q("true")}}, "t")
	if err != nil || got != "((organisation_id = core.current_organisation_id())) AND ((true))" {
		t.Fatalf("filter = %q, %v", got, err)
	}
	fs := tr.functions()
	if len(fs) != 1 || fs[0].Body != "(nullif(struct_extract(getvariable('app'), 'organisation_id'), '')::bigint)" {
		t.Errorf("functions %+v", fs)
	}
	if _, err := tr.filter([]policy{{name: "p", permissive: true, qual: q("(core.app_setting(x) = '1')")}}, "t"); err == nil {
		t.Error("translated core.app_setting called with a column: it must hide the table")
	}
}
