package report

// sectionsForTest are models' sections handed over by the external test
// package (models_sections_test.go, which may import the model folders),
// so that the Chromium test checks the page as memberlytics report draws
// it: the report's own blocks and the models' sections of the fixture's
// tables.
var sectionsForTest []Section

// SetSectionsForTest sets sectionsForTest; report_test calls it in init.
func SetSectionsForTest(s ...Section) { sectionsForTest = s }
