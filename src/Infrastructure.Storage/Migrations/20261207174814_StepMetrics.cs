using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations
{
    /// <inheritdoc />
    public partial class StepMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "StepMetrics",
                columns: table => new
                {
                    RunId = table.Column<string>(type: "TEXT", nullable: false),
                    Epoch = table.Column<int>(type: "INTEGER", nullable: false),
                    Batch = table.Column<int>(type: "INTEGER", nullable: false),
                    ImagesSeen = table.Column<long>(type: "INTEGER", nullable: false),
                    TrainLoss = table.Column<double>(type: "REAL", nullable: true),
                    TrainTop1Error = table.Column<double>(type: "REAL", nullable: true),
                    TrainTop5Error = table.Column<double>(type: "REAL", nullable: true),
                    WallSeconds = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StepMetrics", x => new { x.RunId, x.Epoch, x.Batch });
                    table.ForeignKey(
                        name: "FK_StepMetrics_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StepMetrics");
        }
    }
}
