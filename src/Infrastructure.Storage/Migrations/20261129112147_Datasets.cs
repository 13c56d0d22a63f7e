using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Datasets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "HoldOutFraction",
                table: "DatasetVersions",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "HoldOutSeed",
                table: "DatasetVersions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SkippedFiles",
                table: "DatasetVersions",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "Format",
                table: "Datasets",
                type: "TEXT",
                nullable: false,
                defaultValue: "ImageFolder");

            migrationBuilder.CreateIndex(
                name: "IX_Datasets_SourcePath_Format",
                table: "Datasets",
                columns: new[] { "SourcePath", "Format" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Datasets_SourcePath_Format",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "HoldOutFraction",
                table: "DatasetVersions");

            migrationBuilder.DropColumn(
                name: "HoldOutSeed",
                table: "DatasetVersions");

            migrationBuilder.DropColumn(
                name: "SkippedFiles",
                table: "DatasetVersions");

            migrationBuilder.DropColumn(
                name: "Format",
                table: "Datasets");
        }
    }
}
