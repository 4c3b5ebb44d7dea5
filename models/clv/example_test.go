package clv_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"

	"github.com/memberlytics/memberlytics/models/clv"
)

// Example fits BG/NBD and Gamma-Gamma to the CDNOW sample (weeks) and
// values one customer over a year. The printed parameters are the ones
// Fader, Hardie & Lee (2005) and Fader & Hardie (2013) publish.
func Example() {
	f, err := os.Open("testdata/cdnow_customers_summary_with_transactions.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		fmt.Println(err)
		return
	}
	var purchases []clv.Customer
	var spend []clv.SpendCustomer
	for _, r := range recs[1:] {
		x, _ := strconv.Atoi(r[1])
		tx, _ := strconv.ParseFloat(r[2], 64)
		T, _ := strconv.ParseFloat(r[3], 64)
		z, _ := strconv.ParseFloat(r[4], 64)
		purchases = append(purchases, clv.Customer{X: x, TX: tx, T: T, Count: 1})
		spend = append(spend, clv.SpendCustomer{X: x, MeanValue: z, Count: 1})
	}
	bg, err := clv.FitBGNBD(purchases, clv.FitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	gg, err := clv.FitGammaGamma(spend, clv.FitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := bg.Params
	fmt.Printf("r=%.3f alpha=%.3f a=%.3f b=%.3f LL=%.1f\n", p.R, p.Alpha, p.A, p.B, bg.LogLikelihood)
	fmt.Printf("p=%.2f q=%.2f v=%.1f excluded=%d\n", gg.Params.P, gg.Params.Q, gg.Params.V, gg.ExcludedNoRepeat)

	// Customer 1 of the sample: 2 repeat purchases, last in week 30.43, age 38.86 weeks, mean 22.35.
	spec := clv.CLVSpec{Unit: clv.Week, HorizonDays: 365, AnnualDiscountRate: 0.1}
	v := spec.Value(p, 2, 30.43, 38.86, gg.Params.ConditionalExpectedValue(2, 22.35))
	fmt.Println(v.CLV > 0 && v.ProbAlive > 0 && v.ProbAlive <= 1)
	// Output:
	// r=0.243 alpha=4.414 a=0.793 b=2.426 LL=-9582.4
	// p=6.25 q=3.74 v=15.4 excluded=1411
	// true
}
