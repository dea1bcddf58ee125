using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class HostsTroubleAndTotalsIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId",
                table: "Hosts",
                column: "ClusterId");

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_Ready_ObservedAt",
                table: "Hosts",
                columns: new[] { "ClusterId", "Ready", "ObservedAt" },
                filter: "NOT \"Ready\" OR \"Pressures\" <> ''");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Hosts_ClusterId",
                table: "Hosts");

            migrationBuilder.DropIndex(
                name: "IX_Hosts_ClusterId_Ready_ObservedAt",
                table: "Hosts");
        }
    }
}
