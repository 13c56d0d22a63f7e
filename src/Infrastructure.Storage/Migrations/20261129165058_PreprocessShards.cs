using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations
{
    /// <inheritdoc />
    public partial class PreprocessShards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PreprocessingRuns",
                columns: table => new
                {
                    RunId = table.Column<string>(type: "TEXT", nullable: false),
                    ContentHash = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PreprocessingRuns", x => x.RunId);
                });

            migrationBuilder.CreateTable(
                name: "PreprocessShards",
                columns: table => new
                {
                    ContentHash = table.Column<string>(type: "TEXT", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    JobId = table.Column<string>(type: "TEXT", nullable: true),
                    Done = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PreprocessShards", x => new { x.ContentHash, x.Index });
                });

            migrationBuilder.CreateIndex(
                name: "IX_PreprocessingRuns_ContentHash",
                table: "PreprocessingRuns",
                column: "ContentHash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PreprocessingRuns");

            migrationBuilder.DropTable(
                name: "PreprocessShards");
        }
    }
}
