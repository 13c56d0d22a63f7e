using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlexNet.Experiments.Infrastructure.Storage.Migrations.PostgreSql
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
                    RunId = table.Column<string>(type: "text", nullable: false),
                    Epoch = table.Column<int>(type: "integer", nullable: false),
                    Batch = table.Column<int>(type: "integer", nullable: false),
                    ImagesSeen = table.Column<long>(type: "bigint", nullable: false),
                    TrainLoss = table.Column<double>(type: "double precision", nullable: true),
                    TrainTop1Error = table.Column<double>(type: "double precision", nullable: true),
                    TrainTop5Error = table.Column<double>(type: "double precision", nullable: true),
                    WallSeconds = table.Column<double>(type: "double precision", nullable: false)
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
