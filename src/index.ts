export { default } from "./app";
export { UserCacheCoordinator } from "../durable-objects/coordinator";
