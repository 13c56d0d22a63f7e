using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ResultsApi : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LastProgress",
                table: "Runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Note",
                table: "Runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourceRunId",
                table: "Runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RunTags",
                columns: table => new
                {
                    RunId = table.Column<string>(type: "TEXT", nullable: false),
                    Tag = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunTags", x => new { x.RunId, x.Tag });
                    table.ForeignKey(
                        name: "FK_RunTags_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RunTags_Tag",
                table: "RunTags",
                column: "Tag");

            // Ids were stored as EF's upper-case TEXT; from now on they are stored as the API prints them (lower case).
            // Parents and children change in one transaction, so the foreign keys are checked at its end.
            migrationBuilder.Sql("""
                PRAGMA defer_foreign_keys = ON;
                UPDATE Datasets SET Id = lower(Id);
                UPDATE DatasetVersions SET DatasetId = lower(DatasetId);
                UPDATE Experiments SET Id = lower(Id), DatasetId = lower(DatasetId);
                UPDATE Runs SET Id = lower(Id), ExperimentId = lower(ExperimentId);
                UPDATE HyperparameterRecords SET RunId = lower(RunId);
                UPDATE EpochMetrics SET RunId = lower(RunId);
                UPDATE EvaluationResults SET RunId = lower(RunId);
                UPDATE Artifacts SET RunId = lower(RunId);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RunTags");

            migrationBuilder.DropColumn(
                name: "LastProgress",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "Note",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "SourceRunId",
                table: "Runs");
        }
    }
}
