// Package config loads and validates memberlytics' configuration.
//
// Configuration is built in three layers: defaults (Default), an optional
// YAML file read strictly (an unknown key or a value of the wrong type is an
// error naming the key's path, such as "clickhouse.max_open_conns"), and
// environment overrides (MEMBERLYTICS_CLICKHOUSE_*). Validate then refuses
// impossible values, again naming the key. Secrets are held in Secret, which
// never prints its value.
package config
