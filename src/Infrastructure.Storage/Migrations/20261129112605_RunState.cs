using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations
{
    /// <inheritdoc />
    public partial class RunState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "DivergedBatch",
                table: "Runs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "DivergedEpoch",
                table: "Runs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Epoch",
                table: "Artifacts",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DivergedBatch",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "DivergedEpoch",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "Epoch",
                table: "Artifacts");
        }
    }
}
