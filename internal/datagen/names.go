package datagen

import (
	"fmt"
	"strings"
)

var (
	givenNames = strings.Fields("Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Lily Arthur Florence Oscar Freya " +
		"Charlie Grace Muhammad Sophia Henry Evie Theo Ella Thomas Rosie James Poppy William Emily Alfie Chloe Joshua Priya " +
		"Samuel Aisha Daniel Hannah Jacob Zara Ethan Maya Lucas Chloe Rohan Sienna Kwame Niamh")
	familyNames = strings.Fields("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson " +
		"Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper Hill Ward " +
		"Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Davis Parker James Bennett Young")
	companyWords = strings.Fields("Apex Meridian Northgate Riverside Summit Kestrel Harbour Oakfield Crown Beacon Falcon Lattice")
	companyKinds = []string{"Logistics Ltd", "Couriers Ltd", "Facilities plc", "Property Services", "Lettings Ltd", "Engineering Ltd", "Healthcare Ltd"}
	streets      = strings.Fields("High Church Station Victoria Mill Park London Green Manor Queens Kings Albert")
	towns        = []string{"Reading", "Slough", "Guildford", "Woking", "Bracknell", "Maidenhead", "Staines", "Crawley"}
	makes        = []struct{ make, model string }{
		{"Ford", "Fiesta"}, {"Ford", "Focus"}, {"Vauxhall", "Corsa"}, {"Volkswagen", "Golf"}, {"Volkswagen", "Polo"},
		{"BMW", "3 Series"}, {"Audi", "A3"}, {"Mercedes-Benz", "C-Class"}, {"Nissan", "Qashqai"}, {"Toyota", "Yaris"},
		{"Kia", "Sportage"}, {"Hyundai", "Tucson"}, {"Tesla", "Model 3"}, {"Ford", "Transit Custom"}, {"Skoda", "Octavia"},
	}
	fuels   = []string{"petrol", "petrol", "diesel", "diesel", "hybrid", "electric"}
	colours = []string{"black", "white", "silver", "grey", "blue", "red"}
)

const vinChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
const plateLetters = "ABCDEFGHJKLMNOPRSTUVWXYZ"

func (g *Generator) personName() (string, string) {
	return pick(g, givenNames), pick(g, familyNames)
}

func (g *Generator) companyName() string {
	return pick(g, companyWords) + " " + pick(g, companyKinds)
}

func (g *Generator) address() (string, string) {
	town := pick(g, towns)
	return fmt.Sprintf("%d %s Road, %s", g.between(1, 240), pick(g, streets), town),
		fmt.Sprintf("%c%c%d %d%c%c", 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)), g.between(1, 19), g.between(1, 9),
			'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)))
}

func (g *Generator) phone() string {
	return fmt.Sprintf("07%03d %06d", g.r.IntN(1000), g.r.IntN(1_000_000))
}

// vin is unique per vehicle id: 6 random characters then the id in base 33.
func (g *Generator) vin(id int64) string {
	var b strings.Builder
	b.WriteString("SA")
	for range 6 {
		b.WriteByte(vinChars[g.r.IntN(len(vinChars))])
	}
	digits := make([]byte, 9)
	for i := 8; i >= 0; i-- {
		digits[i] = vinChars[id%int64(len(vinChars))]
		id /= int64(len(vinChars))
	}
	b.Write(digits)
	return b.String()
}

func (g *Generator) plate(year int) string {
	l := func() byte { return plateLetters[g.r.IntN(len(plateLetters))] }
	age := year % 100
	if g.chance(0.5) {
		age += 50
	}
	return fmt.Sprintf("%c%c%02d %c%c%c", l(), l(), age%100, l(), l(), l())
}
