using Microsoft.EntityFrameworkCore;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>
/// The results model on PostgreSQL. A subclass only so that its migrations (Migrations/PostgreSql) are a set of their own:
/// EF picks migrations by context type, and the two providers need different DDL for the same model.
/// </summary>
public sealed class PostgresResultsDbContext(DbContextOptions<PostgresResultsDbContext> options) : ResultsDbContext(options)
{
    /// <summary>SQL functions of the same meaning as SQLite's json_extract, created by the PostgreSQL migrations.</summary>
    public const string JsonNumberFunction = "alexnet_json_number";

    public const string JsonTextFunction = "alexnet_json_text";

    /// <summary>
    /// Reads JSON paths with jsonpath (the same "$.a.b" syntax as SQLite's), and like json_extract yields a number for true/false.
    /// STRICT: a NULL document or path gives NULL, which no comparison matches.
    /// </summary>
    internal static readonly string CreateJsonFunctions = $$"""
        CREATE OR REPLACE FUNCTION {{JsonNumberFunction}}(document text, path text) RETURNS double precision
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT CASE jsonb_typeof(v) WHEN 'number' THEN v::double precision WHEN 'boolean' THEN CASE WHEN v::boolean THEN 1 ELSE 0 END END
          FROM jsonb_path_query_first(document::jsonb, path::jsonpath) AS v
        $$;
        CREATE OR REPLACE FUNCTION {{JsonTextFunction}}(document text, path text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' END
          FROM jsonb_path_query_first(document::jsonb, path::jsonpath) AS v
        $$;
        """;

    internal static readonly string DropJsonFunctions = $$"""
        DROP FUNCTION IF EXISTS {{JsonNumberFunction}}(text, text);
        DROP FUNCTION IF EXISTS {{JsonTextFunction}}(text, text);
        """;

    protected override void MapJsonFunctions(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDbFunction(typeof(StoredJson).GetMethod(nameof(StoredJson.Number))!).HasName(JsonNumberFunction).HasSchema(null);
        modelBuilder.HasDbFunction(typeof(StoredJson).GetMethod(nameof(StoredJson.Text))!).HasName(JsonTextFunction).HasSchema(null);
    }
}
