using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Clusters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Clusters",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ApiServer = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ProtectedKubeconfig = table.Column<string>(type: "TEXT", nullable: false),
                    RegisteredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RegisteredBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Health = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    KubernetesVersion = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    LastContactAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastCheckedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Clusters", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Hosts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Addresses = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Roles = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Labels = table.Column<string>(type: "TEXT", nullable: false),
                    Taints = table.Column<string>(type: "TEXT", nullable: false),
                    Conditions = table.Column<string>(type: "TEXT", nullable: false),
                    Ready = table.Column<bool>(type: "INTEGER", nullable: false),
                    Unschedulable = table.Column<bool>(type: "INTEGER", nullable: false),
                    Pressures = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CpuCapacityMillis = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryCapacityBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    PodCapacity = table.Column<long>(type: "INTEGER", nullable: false),
                    EphemeralStorageBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    CpuAllocatableMillis = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryAllocatableBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    PodAllocatable = table.Column<long>(type: "INTEGER", nullable: false),
                    CpuRequestedMillis = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryRequestedBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    PodCount = table.Column<int>(type: "INTEGER", nullable: false),
                    CpuUsageMillis = table.Column<long>(type: "INTEGER", nullable: true),
                    MemoryUsageBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ObservedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Hosts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Hosts_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_Name",
                table: "Clusters",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_CpuRequestedMillis",
                table: "Hosts",
                columns: new[] { "ClusterId", "CpuRequestedMillis" });

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_MemoryRequestedBytes",
                table: "Hosts",
                columns: new[] { "ClusterId", "MemoryRequestedBytes" });

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_Name",
                table: "Hosts",
                columns: new[] { "ClusterId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_PodCount",
                table: "Hosts",
                columns: new[] { "ClusterId", "PodCount" });

            migrationBuilder.CreateIndex(
                name: "IX_Hosts_ClusterId_Ready_Name",
                table: "Hosts",
                columns: new[] { "ClusterId", "Ready", "Name" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Hosts");

            migrationBuilder.DropTable(
                name: "Clusters");
        }
    }
}
