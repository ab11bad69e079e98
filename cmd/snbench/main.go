package main

import "github.com/snbench/snbench"

func main() { snbench.Main(snbench.Builtin()) }
