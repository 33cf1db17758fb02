package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses
)

// keepIDIndexes makes lookups by _id use an index.
//
// FerretDB v1.24.2 (SQLite backend) creates each collection's _id index on the
// expression _ferretdb_sjson->"_id" but queries with _ferretdb_sjson->'$._id'.
// SQLite compares expressions as written, so no query ever uses that index and every
// lookup by _id reads the whole table (EXPLAIN QUERY PLAN: "SCAN"): reads, updates
// and deletes of one document cost time in proportion to the collection. An index on
// the expression the queries use turns them into "SEARCH ... USING INDEX".
//
// Collections appear as services first write to them, so the check repeats every few
// seconds; it only reads sqlite_master unless an index is missing. The index is not
// unique (FerretDB's own index enforces uniqueness and names the duplicate-key error).
func keepIDIndexes(ctx context.Context, dir string, logger *slog.Logger) {
	ticker := time.NewTicker(3 * time.Second)
	defer ticker.Stop()
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexFile(ctx, file, logger); err != nil && ctx.Err() == nil {
				logger.Debug("id index check failed", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func indexFile(ctx context.Context, file string, logger *slog.Logger) error {
	// mode=rw: never create a file FerretDB has just dropped.
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	rows, err := db.QueryContext(ctx, `
		SELECT t.name FROM sqlite_master t
		WHERE t.type = 'table' AND t.name NOT LIKE '\_ferretdb\_%' ESCAPE '\'
		  AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		  AND NOT EXISTS (SELECT 1 FROM sqlite_master i
		                  WHERE i.type = 'index' AND i.name = t.name || '__id_path')`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err = rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()

	for _, table := range tables {
		if strings.ContainsAny(table, `"'`) {
			continue // FerretDB's table names are <collection>_<hash>: never quoted
		}
		stmt := fmt.Sprintf(
			`CREATE INDEX IF NOT EXISTS "%s__id_path" ON "%s" (_ferretdb_sjson->'$._id')`,
			table, table,
		)
		if _, err = db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		logger.Info("indexed _id lookups", "file", filepath.Base(file), "table", table)
	}
	return nil
}
