package analyst

import "testing"

// TestReducesToScope checks which translated row filters the analytics
// apply themselves: the tenant, the branch scope and, for a staff-scoped
// analytic, the caller's own rows; anything narrower is not.
func TestReducesToScope(t *testing.T) {
	cases := []struct {
		filter string
		staff  bool
		want   bool
	}{
		{"true", false, true},
		{`(core.in_branch_scope("booking".branch_id)) AND ((organisation_id = core.current_organisation_id())) AND ((true))`, false, true},
		{`((id = core.current_organisation_id())) AND ((true))`, false, true},
		{`((organisation_id = core.current_organisation_id())) AND ((true) OR (home_branch_id IS NULL))`, false, true},
		{`(core.in_branch_scope("booking".branch_id)) AND ((channel = 'phone'::VARCHAR)) AND ((true))`, false, false},
		{`((organisation_id = core.current_organisation_id())) AND ((staff_id = core.current_staff_id()))`, false, false},
		{`((organisation_id = core.current_organisation_id())) AND ((staff_id = core.current_staff_id()))`, true, true},
		{`((organisation_id = core.current_organisation_id())) AND ((home_branch_id IS NULL) OR (EXISTS (SELECT 1)))`, false, false},
		{`false`, false, false},
		{`((organisation_id = core.current_organisation_id())) AND (x = 'a AND true')`, false, false},
		{`(core.in_branch_scope("booking".branch_id)) OR (true)`, false, true},
	}
	for _, c := range cases {
		if got := reducesToScope(c.filter, c.staff); got != c.want {
			t.Errorf("reducesToScope(%q, staff %v) = %v, want %v", c.filter, c.staff, got, c.want)
		}
	}
}
