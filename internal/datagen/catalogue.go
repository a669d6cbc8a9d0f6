package datagen

import "fmt"

// partDef is a part of the catalogue: cost and sell price in pounds.
type partDef struct {
	number, name, category string
	cost, price            float64
	lead                   int
	critical               bool
}

var partDefs = []partDef{
	{"OIL-5W30", "Engine oil 5W-30 (litre)", "fluids", 4.10, 11.50, 1, false},
	{"FLT-OIL", "Oil filter", "filters", 3.20, 12.95, 1, false},
	{"FLT-AIR", "Air filter", "filters", 5.40, 19.95, 2, false},
	{"FLT-FUEL", "Fuel filter", "filters", 8.90, 29.95, 2, false},
	{"FLT-CAB", "Pollen filter", "filters", 4.80, 17.50, 2, false},
	{"PLG-SPK", "Spark plug", "ignition", 3.60, 11.95, 2, false},
	{"BRK-PADF", "Brake pads, front axle set", "brakes", 18.50, 64.95, 2, false},
	{"BRK-DSCF", "Brake discs, front pair", "brakes", 42.00, 129.95, 3, true},
	{"BRK-FLD", "Brake fluid DOT4 (litre)", "fluids", 5.10, 14.95, 1, false},
	{"TYR-195", "Tyre 195/65 R15", "tyres", 48.00, 79.00, 2, false},
	{"TYR-205", "Tyre 205/55 R16", "tyres", 55.00, 92.00, 2, false},
	{"TYR-225", "Tyre 225/45 R17", "tyres", 68.00, 115.00, 3, false},
	{"AC-GAS", "Refrigerant R1234yf (100 g)", "air_con", 9.50, 21.00, 4, false},
	{"BAT-070", "Battery 70Ah", "electrical", 62.00, 139.00, 3, true},
	{"CLU-KIT", "Clutch kit", "transmission", 145.00, 289.00, 7, true},
	{"SUS-SHK", "Shock absorber", "suspension", 39.00, 89.00, 4, false},
	{"TBT-KIT", "Timing belt kit with water pump", "engine", 98.00, 219.00, 6, true},
	{"WIP-SET", "Wiper blade set", "accessories", 7.20, 24.95, 1, false},
	{"BLB-H7", "Bulb H7", "electrical", 2.10, 8.95, 1, false},
	{"EXH-MID", "Exhaust middle section", "exhaust", 54.00, 119.00, 5, false},
}

// opDef is a labour operation: book hours, sell rate, how long it really
// takes an average technician, share of bookings and parts used.
type opDef struct {
	code, name, category string
	book, rate, actual   float64
	weight               float64
	parts                []partUseDef
	sublet               float64
}

type partUseDef struct {
	number string
	alt    int
	qty    float64
}

// MOT-TEST is the high-volume, negative-margin service: a £22.50
// loss-leader fee for work that takes about twice the book time.
var opDefs = []opDef{
	{"MOT-TEST", "MOT test", "mot", 0.75, 30.00, 1.55, 0.24, nil, 0},
	{"SRV-OIL", "Oil and filter change", "service", 0.8, 89, 1.0, 0.12, []partUseDef{{"OIL-5W30", 1, 4.5}, {"FLT-OIL", 1, 1}}, 0},
	{"SRV-INT", "Interim service", "service", 1.2, 89, 1.05, 0.10, []partUseDef{{"OIL-5W30", 1, 4.5}, {"FLT-OIL", 1, 1}, {"FLT-AIR", 1, 1}}, 0},
	{"SRV-FULL", "Full service", "service", 2.2, 89, 1.05, 0.10, []partUseDef{{"OIL-5W30", 1, 5}, {"FLT-OIL", 1, 1}, {"FLT-AIR", 1, 1},
		{"FLT-FUEL", 1, 1}, {"FLT-CAB", 1, 1}, {"PLG-SPK", 1, 4}}, 0},
	{"BRK-PAD-F", "Front brake pads", "brakes", 1.0, 95, 0.95, 0.07, []partUseDef{{"BRK-PADF", 1, 1}}, 0},
	{"BRK-DISC-F", "Front discs and pads", "brakes", 1.8, 95, 0.95, 0.04, []partUseDef{{"BRK-DSCF", 1, 1}, {"BRK-PADF", 1, 1}}, 0},
	{"BRK-FLUID", "Brake fluid change", "brakes", 0.6, 95, 1.0, 0.02, []partUseDef{{"BRK-FLD", 1, 1}}, 0},
	{"TYR-FIT", "Tyre supply and fit (pair)", "tyres", 0.6, 60, 1.1, 0.07, []partUseDef{{"TYR-195", 3, 2}}, 0},
	{"TYR-ALIGN", "Wheel alignment", "tyres", 0.7, 75, 1.0, 0.03, nil, 0},
	{"DIAG-EML", "Engine management diagnostics", "diagnostics", 1.0, 99, 1.2, 0.05, nil, 0},
	{"AC-REGAS", "Air conditioning re-gas", "air_con", 0.8, 89, 0.9, 0.03, []partUseDef{{"AC-GAS", 1, 5}}, 0},
	{"BAT-REPL", "Battery replacement", "electrical", 0.4, 89, 0.9, 0.03, []partUseDef{{"BAT-070", 1, 1}}, 0},
	{"CLU-REPL", "Clutch replacement", "transmission", 4.0, 95, 1.0, 0.01, []partUseDef{{"CLU-KIT", 1, 1}}, 0},
	{"SUS-SHOCK", "Shock absorbers (pair)", "suspension", 2.0, 95, 1.0, 0.015, []partUseDef{{"SUS-SHK", 1, 2}}, 0},
	{"TBELT", "Timing belt and water pump", "engine", 3.5, 95, 1.0, 0.01, []partUseDef{{"TBT-KIT", 1, 1}}, 0},
	{"WIPER", "Wiper blades", "quick_fit", 0.2, 60, 1.0, 0.02, []partUseDef{{"WIP-SET", 1, 1}}, 0},
	{"BULB", "Bulb replacement", "quick_fit", 0.3, 60, 1.0, 0.02, []partUseDef{{"BLB-H7", 1, 1}}, 0},
	{"EXH-REP", "Exhaust repair", "exhaust", 1.5, 95, 1.0, 0.015, []partUseDef{{"EXH-MID", 1, 1}}, 0.25},
	{"VHC", "Vehicle health check", "inspection", 0.5, 0, 1.0, 0, nil, 0},
}

// catalogue writes the labour operations of o.
func (g *Generator) catalogue(o *org) {
	for _, d := range opDefs {
		op := &labourOp{id: g.next(tLabourOperation), code: d.code, name: d.name, category: d.category,
			book: hundredths(d.book*100 + 0.5), rate: pennies(d.rate), actual: d.actual, weight: d.weight, sublet: d.sublet}
		g.row(tLabourOperation, op.id, o.id, d.code, d.name, d.category, op.book, op.rate, o.created, o.created)
		o.ops = append(o.ops, op)
	}
}

// suppliersAndParts writes suppliers, parts and supplier prices, and links
// the operations' part uses to part indexes.
func (g *Generator) suppliersAndParts(o *org) {
	for i, name := range []string{"Euro Car Parts Trade", "GSF Motor Parts", "Tyre Wholesale UK", "OE Direct"} {
		id := g.next(tSupplier)
		g.row(tSupplier, id, o.id, name, fmt.Sprintf("orders@supplier%d.example", i+1), g.phone(), fmt.Sprintf("ACC-%04d", 1000+id), o.created, o.created)
		o.suppliers = append(o.suppliers, id)
	}
	index := map[string]int{}
	for i, d := range partDefs {
		p := &part{id: g.next(tPart), number: d.number, cost: pennies(d.cost), price: pennies(d.price), lead: d.lead}
		p.supplier = o.suppliers[i%len(o.suppliers)]
		if d.category == "tyres" {
			p.supplier = o.suppliers[2]
		}
		g.row(tPart, p.id, o.id, d.number, d.name, d.category, d.critical, o.created, o.created)
		g.row(tSupplierPart, g.next(tSupplierPart), o.id, p.supplier, p.id, "S-"+d.number, p.cost, d.lead, thousandths(1000), true, o.created, o.created)
		alt := o.suppliers[(i+1)%len(o.suppliers)]
		if alt != p.supplier {
			g.row(tSupplierPart, g.next(tSupplierPart), o.id, alt, p.id, "A-"+d.number, mulRate(p.cost, 1.08), d.lead+2, thousandths(1000), false, o.created, o.created)
		}
		index[d.number] = i
		o.parts = append(o.parts, p)
	}
	g.recommendations(o)
	for i, d := range opDefs {
		for _, u := range d.parts {
			pu := partUse{part: index[u.number], alt: u.alt, qty: thousandths(u.qty*1000 + 0.5)}
			o.ops[i].parts = append(o.ops[i].parts, pu)
			for k := range u.alt {
				o.parts[pu.part+k].use += d.weight * u.qty / float64(u.alt)
			}
		}
	}
}

// recommendations: advisors upsell brakes, tyres, quick fits, batteries
// and air conditioning on top of any other operation.
func (g *Generator) recommendations(o *org) {
	for _, op := range o.ops {
		for _, r := range o.ops {
			switch r.category {
			case "brakes", "tyres", "quick_fit", "air_con", "electrical":
				if r != op && r.weight > 0 {
					op.recommend = append(op.recommend, r)
				}
			}
		}
	}
}
