using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class BindingsGoWithTheirInstance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_MiddlewareBindings_MiddlewareInstances_InstanceId",
                table: "MiddlewareBindings");

            migrationBuilder.AddForeignKey(
                name: "FK_MiddlewareBindings_MiddlewareInstances_InstanceId",
                table: "MiddlewareBindings",
                column: "InstanceId",
                principalTable: "MiddlewareInstances",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_MiddlewareBindings_MiddlewareInstances_InstanceId",
                table: "MiddlewareBindings");

            migrationBuilder.AddForeignKey(
                name: "FK_MiddlewareBindings_MiddlewareInstances_InstanceId",
                table: "MiddlewareBindings",
                column: "InstanceId",
                principalTable: "MiddlewareInstances",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }
    }
}
