export default () => ['src/**/*.ts']
