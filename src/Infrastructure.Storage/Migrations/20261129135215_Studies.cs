using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Studies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "TrainSeconds",
                table: "EpochMetrics",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Studies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    DatasetId = table.Column<string>(type: "TEXT", nullable: false),
                    Preset = table.Column<string>(type: "TEXT", nullable: false),
                    ExperimentId = table.Column<string>(type: "TEXT", nullable: false),
                    Definition = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Studies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "StudyRuns",
                columns: table => new
                {
                    StudyId = table.Column<string>(type: "TEXT", nullable: false),
                    RunId = table.Column<string>(type: "TEXT", nullable: false),
                    Cell = table.Column<int>(type: "INTEGER", nullable: false),
                    CellValues = table.Column<string>(type: "TEXT", nullable: false),
                    Seed = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StudyRuns", x => new { x.StudyId, x.RunId });
                    table.ForeignKey(
                        name: "FK_StudyRuns_Studies_StudyId",
                        column: x => x.StudyId,
                        principalTable: "Studies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Studies_CreatedAt",
                table: "Studies",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_StudyRuns_RunId",
                table: "StudyRuns",
                column: "RunId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StudyRuns");

            migrationBuilder.DropTable(
                name: "Studies");

            migrationBuilder.DropColumn(
                name: "TrainSeconds",
                table: "EpochMetrics");
        }
    }
}
