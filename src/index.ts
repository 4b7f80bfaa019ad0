export { default } from "./app";
export { UserCacheCoordinator } from "../durable-objects/coordinator";
export { TeamCoordinator } from "../durable-objects/team";
